import { type Instance, isEnded, isGoingAway } from "../../core/instances/instance.ts";
import { hostKeyFingerprint } from "../../core/machine/host-key.ts";
import { poolOutcomeOf } from "../../core/pool/pool-outcome.ts";
import {
  type ProvisionFailure,
  type ProvisionStep,
  serverLeft,
  serverOutcomeText,
} from "../../core/provision/provision-failure.ts";
import { workspaceOf } from "../../core/workspace/prepare-workspace.ts";
import { creatingPhrase, readyPhrase } from "../pool-phrase.ts";
import { saveButton } from "../snapshot-notices.ts";
import { notInstalledText, softwareContext } from "../software.ts";
import { type Ending, knownHostsFor, STEP_TEXT, sshCommand } from "../text.ts";
import { inTime } from "../time.ts";
import { workspaceLines } from "../workspace.ts";
import { type Block, context, dateToken, escapeText, plain, type SlackMessage, section } from "./mrkdwn.ts";

export type { SlackMessage } from "./mrkdwn.ts";

/** Action ids of the instance buttons; their value is only ever an instance id. */
export const ACTIONS = {
  extend1h: "ccc_extend_1h",
  extend4h: "ccc_extend_4h",
  delete: "ccc_delete",
  newMachine: "ccc_new_machine",
  again: "ccc_again",
} as const;

/** "Again": a machine like the owner's last one (its value is the ended instance, for the log only). */
export function againButton(id: string): Block {
  return {
    type: "actions",
    block_id: `again:${id}`,
    elements: [
      {
        type: "button",
        action_id: ACTIONS.again,
        text: plain("Again"),
        value: id,
        style: "primary",
      },
    ],
  };
}

export const EXTEND_HOURS: Readonly<Record<string, number>> = {
  [ACTIONS.extend1h]: 1,
  [ACTIONS.extend4h]: 4,
};

/** `scope` keeps block ids unique when one view shows the same instance twice (an admin's Home). */
export function instanceButtons(id: string, scope = ""): Block {
  return {
    type: "actions",
    block_id: `instance_actions:${scope}${id}`,
    elements: [
      { type: "button", action_id: ACTIONS.extend1h, text: plain("Extend +1h"), value: id },
      { type: "button", action_id: ACTIONS.extend4h, text: plain("Extend +4h"), value: id },
      {
        type: "button",
        action_id: ACTIONS.delete,
        text: plain("Delete now"),
        style: "danger",
        value: id,
        confirm: {
          title: plain("Delete this machine?"),
          text: plain(`${id} and everything on it will be gone for good.`),
          confirm: plain("Delete"),
          deny: plain("Keep it"),
          style: "danger",
        },
      },
    ],
  };
}

/** Where to connect, what it is, and when it goes: the core of every card. */
export function instanceSummary(
  i: Instance,
  now: Date,
  options: { showOwner?: boolean; ending?: Ending; sshPort?: number } = {},
): string {
  const lines = [`*${i.id}* · ${i.status}${options.showOwner ? ` · <@${escapeText(i.owner)}>` : ""}`];
  const ended = isEnded(i.status);
  const ssh = sshCommand(i, options.sshPort);
  if (ssh) lines.push(`\`${ssh}\``);
  if (i.ipv6 && !ended) lines.push(`IPv6: \`${i.ipv6}\``);
  lines.push(`${escapeText(i.serverType)} in ${escapeText(i.location)}`);
  const ending = options.ending;
  if (ended) {
    const at = ending?.at ?? i.deletedAt;
    const verb = i.status === "deleted" ? "Deleted" : "Failed";
    lines.push(
      `${verb}${at ? ` ${dateToken(at)}` : ""}: ${escapeText(ending?.why ?? i.failureReason ?? "reason not recorded")}`,
    );
    if (ending?.detail) lines.push(`Detail (admins): ${escapeText(ending.detail)}`);
  } else {
    lines.push(`Expires ${dateToken(i.expiresAt)} (${inTime(i.expiresAt, now)})`);
  }
  return lines.join("\n");
}

/** One instance with its buttons while it is ready; ended ones show no buttons. */
export function instanceCard(
  i: Instance,
  now: Date,
  options: { showOwner?: boolean; scope?: string; ending?: Ending; sshPort?: number } = {},
): Block[] {
  const blocks = [section(instanceSummary(i, now, options))];
  if (i.status === "ready") blocks.push(instanceButtons(i.id, options.scope));
  return blocks;
}

const STEPS: ProvisionStep[] = ["creating_server", "waiting_for_ssh", "installing"];

/** A pool machine installs its extras after the handover, which may take minutes: a step of its own. */
function stepsFor(i: Instance): ProvisionStep[] {
  const extras = (i.packages ?? []).length > 0 && poolOutcomeOf(i) === "claimed";
  return extras ? [...STEPS, "installing_software"] : STEPS;
}

function stepText(i: Instance, step: ProvisionStep): string {
  if (step !== "installing_software") return STEP_TEXT[step];
  return `${STEP_TEXT[step]}: ${(i.packages ?? []).map((n) => `\`${escapeText(n)}\``).join(", ")}`;
}

/** The DM while a machine is built, updated in place as steps complete. */
export function creatingMessage(i: Instance, step: ProvisionStep | null, detail?: string): SlackMessage {
  // The workspace step shows only once reached: most machines start from no repository.
  // So does the volume's mount: only a machine given a kept work volume has one.
  const steps =
    step === "preparing_workspace" || step === "mounting_volume" ? [...stepsFor(i), step] : stepsFor(i);
  const at = step ? steps.indexOf(step) : -1;
  const lines = steps.map(
    (s, n) =>
      `${n < at ? "✅" : n === at ? "⏳" : "▫️"} ${stepText(i, s)}${n === at && detail ? `: ${escapeText(detail)}` : ""}`,
  );
  const text = `${i.id} is being created, ${creatingPhrase(i)}.`;
  return {
    text,
    blocks: [
      section(`:hourglass_flowing_sand: *${i.id}* is being created, ${creatingPhrase(i)}.`),
      section(lines.join("\n")),
      context(`${escapeText(i.serverType)} in ${escapeText(i.location)}${i.ipv4 ? ` · ${i.ipv4}` : ""}`),
    ],
  };
}

export function readyMessage(i: Instance, now: Date, sshPort?: number): SlackMessage {
  // The host key sits under the address it belongs to, above the buttons.
  const [summary, ...buttons] = instanceCard(i, now, { sshPort });
  const ssh = sshCommand(i, sshPort) ?? `ssh claude@${i.ipv4}`;
  return {
    text: `${i.id} is ready${readyPhrase(i)}: ${ssh}${notInstalledText(i)}${workspaceLines(workspaceOf(i))
      .map((l) => `\n${l}`)
      .join("")}`,
    blocks: [
      section(`:white_check_mark: *${i.id}* is ready${readyPhrase(i)}.`),
      ...(summary ? [summary] : []),
      ...hostKeyNote(i, sshPort),
      ...softwareContext(i),
      ...workspaceBlocks(i),
      ...buttons,
      ...(i.status === "ready" ? [saveButton(i.id)] : []),
    ],
  };
}

/** Where the repository is, what failed while preparing it, how to sign Claude Code in. */
function workspaceBlocks(i: Instance): Block[] {
  const lines = workspaceLines(workspaceOf(i));
  return lines.length > 0 ? [section(lines.map((l) => escapeText(l)).join("\n"))] : [];
}

/** The pinned host key, so the first `ssh` needs no leap of faith. */
export function hostKeyNote(i: Instance, sshPort?: number): Block[] {
  const line = knownHostsFor(i, sshPort);
  if (!i.hostKey || !line) return [];
  return [
    context(
      `Host key \`${hostKeyFingerprint(i.hostKey)}\`. To skip ssh's first-connection question, add this line to \`~/.ssh/known_hosts\`: \`${escapeText(line)}\``,
    ),
  ];
}

/** What became of the server after a failure, and what that means for the user. */
export function afterFailureText(failure: ProvisionFailure): string {
  const outcome = capitalise(serverOutcomeText(failure));
  return serverLeft(failure)
    ? `${outcome}. An admin has been told.`
    : `${outcome}: nothing keeps running and nothing is billed.`;
}

export function failedMessage(failure: ProvisionFailure): SlackMessage {
  const id = failure.instanceId;
  return {
    text: `${id} could not be created: ${failure.reason}`,
    blocks: [
      section(`:x: *${id}* could not be created.`),
      section(`*What failed:* ${escapeText(failure.reason)}\n${escapeText(afterFailureText(failure))}`),
      context("You can try again with `/ccc provision`."),
    ],
  };
}

export function deletedMessage(i: Instance, now: Date): SlackMessage {
  return {
    text: `${i.id} was deleted.`,
    blocks: [
      section(`:wastebasket: *${i.id}* was deleted.`),
      ...instanceCard(i, now),
      context("*Again* makes a machine like your last one, with your last key."),
      againButton(i.id),
    ],
  };
}

/** The right message for an instance as it is now (after a button, late or not). */
export function currentMessage(i: Instance, now: Date): SlackMessage {
  if (i.status === "ready") return readyMessage(i, now);
  if (isGoingAway(i.status)) return deletedMessage(i, now);
  if (i.status === "failed") {
    // Its server was deleted when it failed; a cleanup that failed too is the reconciler's to finish.
    return failedMessage({
      instanceId: i.id,
      step: null,
      reason: i.failureReason ?? "unknown reason",
      detail: i.failureReason ?? "unknown reason",
      deletedMeanwhile: false,
      server: "deleted",
      cleanupError: null,
    });
  }
  return creatingMessage(i, i.status === "installing" ? "installing" : null);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
