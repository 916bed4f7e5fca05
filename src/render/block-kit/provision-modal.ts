import type { types } from "@slack/bolt";
import type { Offer } from "../../core/cloud/catalog.ts";
import type { Policy } from "../../core/instances/policy.ts";
import type { CloudLocation } from "../../core/ports/cloud.ts";
import { splitPackageNames } from "../../core/software/package-names.ts";
import type { SoftwarePolicy } from "../../core/software/software-policy.ts";
import { euroEstimate } from "../cost.ts";
import { euro } from "../text.ts";
import { type Block, context, escapeText, plain, section } from "./mrkdwn.ts";

export const PROVISION_CALLBACK = "ccc_provision";
/** Block ids match core's UserError fields, so a refusal lands on its own input. */
export const FIELDS = {
  sshKey: "sshKey",
  location: "location",
  serverType: "serverType",
  hours: "hours",
  packages: "packages",
  packagesOther: "packagesOther",
  keepWork: "keepWork",
  repo: "repo",
} as const;
/** Action ids in the modal that make it redraw (new type list, new cost). */
export const MODAL_ACTIONS = /^ccc_modal_(location|type|hours)/;

export interface ModalChoice {
  location: string;
  serverType: string;
  hours: number;
  /** Extra software, curated or typed. */
  packages?: string[];
  /** The repository to start from (owner/name[@branch] or a URL); the last one by default. */
  repo?: string;
}

export interface ModalInput {
  policy: Policy;
  locations: CloudLocation[];
  /** Offers in `choice.location`. */
  offers: Offer[];
  choice: ModalChoice;
  /** The key this user last used, to prefill. */
  lastKey: string | null;
  /** What extra software may be asked for; none offered when left out. */
  software?: SoftwarePolicy;
  /** "Keep my work": what it would give in the chosen location, priced; ticked when they chose it last. */
  keepWork?: { line: string; ticked: boolean };
}

const HOUR_STEPS = [1, 2, 4, 8, 12, 24, 48, 72];

export function hourOptions(policy: Policy, chosen?: number): number[] {
  const hours = new Set(HOUR_STEPS.filter((h) => h <= policy.maxHours));
  hours.add(policy.defaultHours);
  if (chosen !== undefined) hours.add(chosen);
  hours.add(policy.maxHours);
  return [...hours].filter((h) => h > 0 && h <= policy.maxHours).sort((a, b) => a - b);
}

export function offerLabel(o: Offer): string {
  const t = o.type;
  return `${t.name} · ${t.cores} vCPU · ${t.memoryGb} GB · ${t.architecture} · ${euro(o.hourly)}/h`.slice(
    0,
    75,
  );
}

const option = (text: string, value: string) => ({ text: plain(text.slice(0, 75)), value });

/** The provision modal; the type list and the cost follow the chosen location, type and hours. */
export function provisionModal(input: ModalInput): types.ModalView {
  const { choice, offers, policy } = input;
  const typeOptions = offers.slice(0, 100).map((o) => option(offerLabel(o), o.type.name));
  const chosenType = typeOptions.find((o) => o.value === choice.serverType) ?? typeOptions[0];
  const locationOptions = input.locations.map((l) => option(`${l.name} — ${l.city}, ${l.country}`, l.name));
  const chosenLocation = locationOptions.find((o) => o.value === choice.location);
  const hourOpts = hourOptions(policy, choice.hours).map((h) =>
    option(`${h} hour${h === 1 ? "" : "s"}`, String(h)),
  );
  const chosenHours = hourOpts.find((o) => o.value === String(choice.hours)) ?? hourOpts[0];
  const offer = offers.find((o) => o.type.name === chosenType?.value);

  const blocks: Block[] = [
    {
      type: "input",
      block_id: FIELDS.sshKey,
      label: plain("SSH public key"),
      hint: plain("The contents of your .pub file, e.g. ~/.ssh/id_ed25519.pub. Never paste a private key."),
      element: {
        type: "plain_text_input",
        action_id: "ssh_key",
        multiline: true,
        placeholder: plain("ssh-ed25519 AAAA… you@laptop"),
        ...(input.lastKey ? { initial_value: input.lastKey } : {}),
      },
    },
    {
      type: "input",
      block_id: FIELDS.location,
      dispatch_action: true,
      label: plain("Location"),
      element: {
        type: "static_select",
        action_id: "ccc_modal_location",
        options: locationOptions,
        ...(chosenLocation ? { initial_option: chosenLocation } : {}),
      },
    },
  ];
  if (typeOptions.length > 0) {
    blocks.push({
      type: "input",
      block_id: FIELDS.serverType,
      dispatch_action: true,
      label: plain("Server type"),
      element: {
        // The location in the action id makes Slack drop a type picked for another location.
        type: "static_select",
        action_id: `ccc_modal_type:${choice.location}`,
        options: typeOptions,
        ...(chosenType ? { initial_option: chosenType } : {}),
      },
    });
  } else {
    blocks.push(
      section(
        `:warning: No server type is available in ${escapeText(choice.location)}; pick another location.`,
      ),
    );
  }
  blocks.push(
    {
      type: "input",
      block_id: FIELDS.hours,
      dispatch_action: true,
      label: plain("Lifetime"),
      hint: plain(`You can extend it later, up to ${policy.maxLifetimeHours} hours in all.`),
      element: {
        type: "static_select",
        action_id: "ccc_modal_hours",
        options: hourOpts,
        ...(chosenHours ? { initial_option: chosenHours } : {}),
      },
    },
    context(costLine(offer, Number(chosenHours?.value ?? choice.hours))),
    ...softwareBlocks(input.software, choice.packages ?? []),
    repoBlock(choice.repo ?? ""),
  );
  if (input.keepWork) blocks.push(keepWorkBlock(input.keepWork));
  return {
    type: "modal",
    callback_id: PROVISION_CALLBACK,
    title: plain("New ccc machine"),
    submit: plain("Create"),
    close: plain("Cancel"),
    blocks,
  };
}

/** "Repository": cloned into ~/work/<name> once the machine is ready; checked before anything is spent. */
export function repoBlock(repo: string): Block {
  return {
    type: "input",
    block_id: FIELDS.repo,
    optional: true,
    label: plain("Repository"),
    hint: plain(
      "owner/name or owner/name@branch (GitHub), or a clone URL; cloned into ~/work/<name>. A private one needs your GITHUB_TOKEN or GITLAB_TOKEN (/ccc secret).",
    ),
    element: {
      type: "plain_text_input",
      action_id: "repo",
      placeholder: plain("octocat/hello-world"),
      ...(repo ? { initial_value: repo } : {}),
    },
  };
}

/** "Extra software": the curated list as a multi-select, and a free-text field when the admin allows it. */
export function softwareBlocks(software: SoftwarePolicy | undefined, chosen: readonly string[]): Block[] {
  if (!software) return [];
  const blocks: Block[] = [];
  const curated = software.curated.slice(0, 100);
  const options = curated.map((p) => option(p.label === p.name ? p.name : `${p.label} (${p.name})`, p.name));
  const initial = options.filter((o) => chosen.includes(o.value));
  if (options.length > 0) {
    blocks.push({
      type: "input",
      block_id: FIELDS.packages,
      optional: true,
      label: plain("Extra software"),
      hint: plain("Installed from nixpkgs with the system; a few minutes more for big ones."),
      element: {
        type: "multi_static_select",
        action_id: "packages",
        placeholder: plain("Pick any"),
        options,
        ...(initial.length > 0 ? { initial_options: initial } : {}),
      },
    });
  }
  if (software.freeText) {
    const other = chosen.filter((name) => !curated.some((p) => p.name === name));
    blocks.push({
      type: "input",
      block_id: FIELDS.packagesOther,
      optional: true,
      label: plain(options.length > 0 ? "Other nixpkgs packages" : "Extra software (nixpkgs packages)"),
      hint: plain("nixpkgs attribute names, separated by commas: e.g. ripgrep, python3Packages.numpy"),
      element: {
        type: "plain_text_input",
        action_id: "packages_other",
        placeholder: plain("htop, python3Packages.numpy"),
        ...(other.length > 0 ? { initial_value: other.join(", ") } : {}),
      },
    });
  }
  return blocks;
}

export function costLine(offer: Offer | undefined, hours: number): string {
  if (!offer) return "Pick a server type to see the cost.";
  const total = Number(offer.hourly) * hours;
  return `Estimated cost: *${euroEstimate(total)}* for ${hours} h (${euro(offer.hourly)} per hour, incl. VAT). Billed per hour started; deleting early stops it.`;
}

const KEEP_WORK_OPTION = { text: plain("Keep my work"), value: "keep" };

/** The checkbox, with what it gives and costs before anything is made. */
function keepWorkBlock(keepWork: { line: string; ticked: boolean }): Block {
  const option = {
    ...KEEP_WORK_OPTION,
    description: plain(`Kept between machines: ${keepWork.line}`.slice(0, 150)),
  };
  return {
    type: "input",
    block_id: FIELDS.keepWork,
    optional: true,
    label: plain("Work volume"),
    element: {
      type: "checkboxes",
      action_id: "keep_work",
      options: [option],
      ...(keepWork.ticked ? { initial_options: [option] } : {}),
    },
  };
}

/** A modal shown instead of the form when the user may not create another machine. */
export function refusalModal(title: string, text: string): types.ModalView {
  return {
    type: "modal",
    callback_id: "ccc_refusal",
    title: plain(title.slice(0, 24)),
    close: plain("Close"),
    blocks: [section(`:warning: ${escapeText(text)}`)],
  };
}

type StateValues = Record<
  string,
  Record<
    string,
    {
      value?: string | null;
      selected_option?: { value: string } | null;
      selected_options?: { value: string }[] | null;
    }
  >
>;

/** What the user has entered so far, read from the view's state. */
export function readModalState(values: StateValues): {
  sshKey: string;
  location: string | undefined;
  serverType: string | undefined;
  hours: string | undefined;
  /** The picked and the typed names together, in that order. */
  packages: string[];
  keepWork: boolean;
  repo: string;
} {
  const first = (block: string) => Object.values(values[block] ?? {})[0];
  return {
    sshKey: first(FIELDS.sshKey)?.value ?? "",
    location: first(FIELDS.location)?.selected_option?.value,
    serverType: first(FIELDS.serverType)?.selected_option?.value,
    hours: first(FIELDS.hours)?.selected_option?.value,
    packages: [
      ...(first(FIELDS.packages)?.selected_options ?? []).map((o) => o.value),
      ...splitPackageNames(first(FIELDS.packagesOther)?.value ?? ""),
    ],
    keepWork: (first(FIELDS.keepWork)?.selected_options ?? []).some(
      (o) => o.value === KEEP_WORK_OPTION.value,
    ),
    repo: (first(FIELDS.repo)?.value ?? "").trim(),
  };
}
