import * as z from "zod";
import { UserError } from "../core/errors.ts";
import { parseIdleMinutes } from "../core/hibernate/idle-policy.ts";
import { checkPrefsAccess, type PrefsChange, setPrefs, type UserPrefs } from "../core/identity/set-prefs.ts";
import { parseOwner } from "../core/instances/owner.ts";
import { parseHours } from "../core/instances/policy.ts";
import { splitPackageNames } from "../core/software/package-names.ts";
import { context, escapeText, type SlackMessage, section } from "../render/block-kit/mrkdwn.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { checked } from "./input.ts";

// `prefs` shows a person's defaults; `prefs set` changes them (a blank value clears one);
// `prefs save-on-expiry on|off` says whether their machines are snapshotted before the expiry deletes them.

export const prefsInput = z
  .object({
    user: checked(z.string(), parseOwner).optional(),
    action: z.enum(["show", "set", "save-on-expiry"]).default("show"),
    serverType: checked(z.union([z.string(), z.number()]).optional(), (v) => clearValue(v, (t) => t)),
    location: checked(z.union([z.string(), z.number()]).optional(), (v) =>
      clearValue(v, (t) => t.toLowerCase()),
    ),
    hours: checked(z.union([z.string(), z.number()]).optional(), (v) => clearValue(v, (t) => parseHours(t))),
    packages: checked(z.union([z.string(), z.array(z.string())]).optional(), (v) =>
      v === undefined ? undefined : splitPackageNames(v).length === 0 ? null : splitPackageNames(v),
    ),
    /** A repository (owner/name[@branch] or URL): `repo` new machines start from, `dotfiles` set up on each. */
    repo: checked(z.string().optional(), (v) => clearValue(v, (t) => t)),
    dotfiles: checked(z.string().optional(), (v) => clearValue(v, (t) => t)),
    /** git's user.name and user.email on the machines. */
    gitName: checked(z.string().optional(), (v) => clearValue(v, (t) => t)),
    gitEmail: checked(z.string().optional(), (v) => clearValue(v, (t) => t)),
    /** Minutes idle before hibernation, or `never`; blank clears (the operator's default). */
    idle: checked(z.union([z.string(), z.number()]).optional(), (v) => clearValue(v, parseIdleMinutes)),
    /** `on` or `off`; JSON clients may send true or false. */
    saveOnExpiry: z
      .union([z.string(), z.boolean()])
      .optional()
      .transform((v) => (v === true ? "on" : v === false ? "off" : v)),
  })
  .superRefine((input, ctx) => {
    const changes = [
      input.serverType,
      input.location,
      input.hours,
      input.packages,
      input.saveOnExpiry,
      input.repo,
      input.dotfiles,
      input.gitName,
      input.gitEmail,
      input.idle,
    ];
    if (input.action === "set" && changes.every((c) => c === undefined)) {
      ctx.addIssue({
        code: "custom",
        message:
          "Say what to set: type, location, hours, packages, repo, dotfiles, git-name, git-email or idle (e.g. /ccc prefs set type=cx33 hours=8, or ccc prefs set --type cx33).",
      });
    }
    const onOff = ["on", "off"].includes(input.saveOnExpiry ?? "");
    // `set` takes it too (the HTTP API's one PATCH), but only as on or off.
    if ((input.action === "save-on-expiry" || input.saveOnExpiry !== undefined) && !onOff) {
      ctx.addIssue({
        code: "custom",
        message: "Say on or off: prefs save-on-expiry on",
        path: ["saveOnExpiry"],
      });
    }
  });

function clearValue<T>(value: string | number | undefined, parse: (text: string) => T): T | null | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  return text === "" ? null : parse(text);
}

export interface PrefsResult {
  user: string;
  prefs: UserPrefs;
  changed: boolean;
}

async function run(ctx: CommandContext, input: z.output<typeof prefsInput>): Promise<PrefsResult> {
  const user = input.user ?? ctx.actor.id;
  if (input.action === "show") {
    checkPrefsAccess(ctx.actor, user);
    return { user, prefs: ctx.deps.store.prefs.get(user), changed: false };
  }
  const change: PrefsChange =
    input.action === "save-on-expiry"
      ? { saveOnExpiry: input.saveOnExpiry === "on" }
      : {
          ...(input.serverType !== undefined ? { serverType: input.serverType } : {}),
          ...(input.location !== undefined ? { location: input.location } : {}),
          ...(input.hours !== undefined ? { hours: input.hours } : {}),
          ...(input.packages !== undefined ? { packages: input.packages } : {}),
          ...(input.saveOnExpiry !== undefined ? { saveOnExpiry: input.saveOnExpiry === "on" } : {}),
          ...(input.repo !== undefined ? { repo: input.repo } : {}),
          ...(input.dotfiles !== undefined ? { dotfiles: input.dotfiles } : {}),
          ...(input.gitName !== undefined ? { gitName: input.gitName } : {}),
          ...(input.gitEmail !== undefined ? { gitEmail: input.gitEmail } : {}),
          ...(input.idle !== undefined ? { idleMinutes: input.idle } : {}),
        };
  return { user, prefs: await setPrefs(ctx.deps, ctx.actor, user, change), changed: true };
}

/** The words after `/ccc prefs`: nothing, `set key=value …`, or `save-on-expiry on|off`. */
export function prefsWords(words: readonly string[]): Record<string, unknown> {
  const [action = "show", ...rest] = words;
  if (action === "save-on-expiry") return { action, saveOnExpiry: rest[0]?.toLowerCase() };
  if (action !== "set") return { action };
  const names: Record<string, string> = {
    type: "serverType",
    location: "location",
    hours: "hours",
    packages: "packages",
    software: "packages",
    repo: "repo",
    dotfiles: "dotfiles",
    "git-name": "gitName",
    "git-email": "gitEmail",
    idle: "idle",
  };
  const raw: Record<string, unknown> = { action };
  for (const word of rest) {
    const at = word.indexOf("=");
    const key = names[(at < 0 ? word : word.slice(0, at)).toLowerCase()];
    if (at < 0 || !key) {
      throw new UserError(
        `"${word.slice(0, 30)}" is not a setting; use type=…, location=…, hours=…, packages=a,b, repo=…, dotfiles=…, git-name=…, git-email=… or idle=45|never (blank clears).`,
      );
    }
    raw[key] = word.slice(at + 1);
  }
  return raw;
}

const shown = (value: unknown) => (value === undefined ? "(the default)" : String(value));

function lines(r: PrefsResult): string[] {
  const p = r.prefs;
  return [
    `type:           ${shown(p.serverType)}`,
    `location:       ${shown(p.location)}`,
    `hours:          ${shown(p.hours)}`,
    `software:       ${p.packages && p.packages.length > 0 ? p.packages.join(", ") : "(none)"}`,
    `save on expiry: ${p.saveOnExpiry ? "on" : "off"}`,
    `repository:     ${p.repo ?? "(none)"}`,
    `dotfiles:       ${p.dotfiles ?? "(none)"}`,
    `git identity:   ${p.gitName || p.gitEmail ? `${p.gitName ?? ""} <${p.gitEmail ?? ""}>` : "(from your profile)"}`,
    `idle:           ${p.idleMinutes === undefined ? "(the default)" : p.idleMinutes === 0 ? "never hibernate" : `hibernate after ${p.idleMinutes} idle minutes`}`,
  ];
}

export function prefsText(r: PrefsResult): string {
  const head = r.changed ? `Saved. Defaults for ${r.user}:` : `Defaults for ${r.user}:`;
  return [head, ...lines(r).map((l) => `  ${l}`)].join("\n");
}

export function prefsBlocks(r: PrefsResult): SlackMessage {
  const head = r.changed ? ":white_check_mark: Saved. Your defaults:" : "Your defaults:";
  return {
    text: prefsText(r),
    blocks: [
      section(
        `${head}\n${lines(r)
          .map((l) => escapeText(l.replace(/\s+/, " ")))
          .join("\n")}`,
      ),
      context(
        "The form and `/ccc provision` start from these. Change with `/ccc prefs set type=cx33 location=hel1 hours=8 packages=python3,go` (a blank value clears one), `/ccc prefs save-on-expiry on|off`.",
      ),
    ],
  };
}

export const prefsCommand = defineCommand({
  name: "prefs",
  summary: "show or set your defaults for new machines (type, location, hours, software, save on expiry)",
  input: prefsInput,
  audience: "self",
  run,
  text: (r) => prefsText(r),
  json: (r) => ({ user: r.user, prefs: r.prefs, changed: r.changed }),
  blocks: (r) => prefsBlocks(r),
  doors: {
    http: [
      {
        method: "GET",
        path: "/me/prefs",
        operation: "showPrefs",
        from: "none",
        fixed: (actor) => ({ action: "show", user: actor.id }),
        status: 200,
        response: "prefs",
        example: {
          response: { user: "U012AB3CD", prefs: { serverType: "cx33", hours: 8 }, changed: false },
        },
      },
      {
        method: "PATCH",
        path: "/me/prefs",
        operation: "setPrefs",
        from: "body",
        fixed: (actor) => ({ action: "set", user: actor.id }),
        status: 200,
        response: "prefs",
        example: {
          body: { location: "hel1", packages: ["python3", "go"], hours: "", saveOnExpiry: "on" },
          response: {
            user: "U012AB3CD",
            prefs: { serverType: "cx33", location: "hel1", packages: ["python3", "go"], saveOnExpiry: true },
            changed: true,
          },
        },
      },
    ],
    cli: {
      args: ["[action]", "[value]"],
      options: [
        { flags: "--user <name>", description: "whose defaults (default: you; others' for admins)" },
        { flags: "--type <name>", description: "with set: server type (blank clears)" },
        { flags: "--location <name>", description: "with set: location (blank clears)" },
        { flags: "--hours <n>", description: "with set: lifetime in hours (blank clears)" },
        {
          flags: "--packages <names>",
          description: "with set: extra software, comma-separated (blank clears)",
        },
        {
          flags: "--repo <repo>",
          description: "with set: the repository new machines start from (blank clears)",
        },
        {
          flags: "--dotfiles <repo>",
          description: "with set: a dotfiles repository, cloned and its install.sh run on each machine",
        },
        { flags: "--idle <minutes>", description: "with set: minutes idle before hibernation, or never" },
      ],
      needs: { hetzner: true },
      examples: [
        "ccc prefs --user U012AB3CD",
        "ccc prefs set --type cx33 --location hel1 --hours 8 --packages python3,go",
        "ccc prefs save-on-expiry on",
        "ccc prefs set dotfiles=octocat/dotfiles",
        "ccc prefs set idle=45",
      ],
      input: ({ args, options, config }) => ({
        user: options.user ?? config.operator.name,
        action: args.action ?? "show",
        ...(args.action === "save-on-expiry" ? { saveOnExpiry: args.value?.toLowerCase() } : {}),
        serverType: options.type,
        location: options.location,
        hours: options.hours,
        packages: options.packages,
        repo: options.repo,
        dotfiles: options.dotfiles,
        // `ccc prefs set dotfiles=<repo>` (the Slack words also work on the command line).
        idle: options.idle,
        // `ccc prefs set idle=45`: the Slack words' form works here too.
        ...(args.action === "set" && args.value?.includes("=") ? prefsWords(["set", args.value]) : {}),
      }),
    },
    slack: {
      usage: "prefs [set key=value …]",
      help: "your defaults: `prefs set type=cx33 location=hel1 hours=8 packages=python3,go idle=45`, `prefs save-on-expiry on|off`",
      example: "prefs set hours=8 packages=python3,go",
      input: prefsWords,
    },
  },
});
