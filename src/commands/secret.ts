import * as z from "zod";
import { NotFoundError, UserError } from "../core/errors.ts";
import { createSignInLink } from "../core/identity/sign-in.ts";
import { onlyAdminsMay } from "../core/instances/actor.ts";
import { parseOwner } from "../core/instances/owner.ts";
import type { Delivery } from "../core/ports/notifier.ts";
import { deliverToOwnerMachines, type SecretsDelivery } from "../core/secrets/deliver-secrets.ts";
import { checkForgeToken, type ForgeTokenVerdict } from "../core/secrets/forge-token-check.ts";
import { looksLikeSecret, PASTED_SECRET_HINT } from "../core/secrets/looks-like-secret.ts";
import { SecretsKey } from "../core/secrets/secret-cipher.ts";
import { parseSecretName } from "../core/secrets/secret-names.ts";
import {
  checkSetSecret,
  deleteSecret,
  listSecrets,
  rekeySecrets,
  type SecretInfo,
  SecretValue,
  setSecret,
} from "../core/secrets/secrets.ts";
import { escapeText, type SlackMessage, section } from "../render/block-kit/mrkdwn.ts";
import { INFO, NAME_PARAM } from "../render/schemas/examples.ts";
import { textTable } from "../render/text.ts";
import { formatUtc } from "../render/time.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { checked } from "./input.ts";

// `ccc secret set NAME` (the value on standard input or a prompt without echo, never an argument),
// `list`, `delete NAME`, `link` (Slack's `/ccc secret`: the dashboard's form, since Slack has no
// masked input) and, for admins, `rekey` (`ccc secrets rekey`, the new key on standard input).

const owner = checked(z.string(), parseOwner);
const name = checked(z.string({ error: "Give the secret's name, like ANTHROPIC_API_KEY." }), parseSecretName);
/** Text from standard input, a password field or a JSON body; wrapped at once so nothing can show it. */
const value = z
  .string({ error: "Give the value on standard input (or at the prompt), never as an argument." })
  .transform((text) => new SecretValue(text.replace(/\r?\n$/, "")));

const ACTIONS = ["set", "list", "show", "delete", "link", "rekey"] as const;

/** One object for every action (the API's document is made from its fields); each action's needs are refined. */
export const secretInput = z
  .object({
    action: z.enum(ACTIONS, { message: "The action must be set, list, show, delete, link or rekey." }),
    name: name.optional(),
    user: owner.optional(),
    /** The secret's value (set), or the new key (rekey). */
    value: value.optional(),
  })
  .superRefine((input, ctx) => {
    const needsName = input.action === "set" || input.action === "show" || input.action === "delete";
    if (needsName && input.name === undefined) {
      ctx.addIssue({
        code: "custom",
        message: "Give the secret's name, like ANTHROPIC_API_KEY.",
        path: ["name"],
      });
    }
    if ((input.action === "set" || input.action === "rekey") && input.value === undefined) {
      ctx.addIssue({
        code: "custom",
        message: "Give the value on standard input (or at the prompt), never as an argument.",
        path: ["value"],
      });
    }
  });

export type SecretResult =
  | {
      kind: "set";
      secret: SecretInfo;
      replaced: boolean;
      machines: SecretsDelivery[];
      /** GITHUB_TOKEN / GITLAB_TOKEN: what the forge said of it before it was stored. */
      token?: ForgeTokenVerdict;
    }
  | { kind: "list"; user: string; secrets: SecretInfo[] }
  | { kind: "show"; secret: SecretInfo }
  | { kind: "deleted"; secret: SecretInfo; machines: SecretsDelivery[] }
  | { kind: "link"; user: string; url: string; expiresAt: Date; delivery: Delivery }
  | { kind: "rekeyed"; count: number; from: string; to: string };

async function run(ctx: CommandContext, input: z.output<typeof secretInput>): Promise<SecretResult> {
  const { deps, actor } = ctx;
  const user = input.user ?? actor.id;
  const needName = (): string => {
    if (input.name === undefined) throw new UserError("Give the secret's name, like ANTHROPIC_API_KEY.");
    return input.name;
  };
  const needValue = (): SecretValue => {
    if (input.value === undefined) throw new UserError("Give the value on standard input.");
    return input.value;
  };
  switch (input.action) {
    case "set": {
      const request = { owner: user, name: needName(), value: needValue() };
      // Every rule first, then the forge (a token it refuses is not stored), then the store.
      const { name: storedAs } = checkSetSecret(deps, actor, request);
      const token = await checkForgeToken(deps, storedAs, request.value);
      const stored = setSecret(deps, actor, request);
      const machines = await deliverToOwnerMachines(deps, user);
      const { replaced, ...secret } = stored;
      return { kind: "set", secret, replaced, machines, ...(token ? { token } : {}) };
    }
    case "list":
      return { kind: "list", user, secrets: listSecrets(deps, actor, user) };
    case "show": {
      const wanted = needName();
      const secret = listSecrets(deps, actor, user).find((s) => s.name === wanted);
      if (!secret)
        throw new NotFoundError(`${user === actor.id ? "You have" : `${user} has`} no secret ${wanted}.`);
      return { kind: "show", secret };
    }
    case "delete": {
      const secret = deleteSecret(deps, actor, user, needName());
      return { kind: "deleted", secret, machines: await deliverToOwnerMachines(deps, user) };
    }
    case "link":
      return link(ctx, user);
    case "rekey":
      return {
        kind: "rekeyed",
        ...rekeySecrets(deps, actor, SecretsKey.parse(needValue().reveal(), "The new key")),
      };
  }
}

/** A one-time sign-in link (the dashboard's rules: once, 10 minutes) that opens the secret form. */
async function link(ctx: CommandContext, user: string): Promise<SecretResult> {
  onlyAdminsMay(ctx.actor, "make a link for someone else", user);
  const publicUrl = ctx.deps.publicUrl;
  if (!publicUrl) {
    throw new UserError("The web dashboard is not set up: the operator has to set CCC_PUBLIC_URL.", {
      code: "not_configured",
    });
  }
  const made = createSignInLink(ctx.deps, user, publicUrl);
  const url = new URL(made.url);
  url.searchParams.set("next", "secrets");
  const delivery = await ctx.deps.notifier.notify({
    kind: "sign_in_link",
    user,
    url: url.toString(),
    expiresAt: made.expiresAt,
  });
  return { kind: "link", user, url: url.toString(), expiresAt: made.expiresAt, delivery };
}

function machinesText(machines: readonly SecretsDelivery[]): string[] {
  return machines.map((m) => {
    switch (m.kind) {
      case "delivered":
        return m.withheld
          ? `${m.instanceId}: none there (it is shared with a guest let in without your secrets)`
          : `${m.instanceId}: live now`;
      case "skipped":
        return `${m.instanceId}: not sent (${m.reason})`;
      default:
        return m.retryAt
          ? `${m.instanceId}: not reached: ${m.message} ccc tries again from ${m.retryAt.toISOString()} until it is.`
          : `${m.instanceId}: not reached: ${m.message}`;
    }
  });
}

/** The forge's word on a token: "GitHub accepts it: it works as @octocat." */
function tokenText(verdict: ForgeTokenVerdict): string {
  return verdict.outcome === "works"
    ? `${verdict.forgeName} accepts it: it works as @${verdict.login}.`
    : `It could not be checked (${verdict.why}), so it is stored as given; a task or a clone tells if ${verdict.forgeName} refuses it.`;
}

function when(d: Date | null): string {
  return d ? formatUtc(d) : "never";
}

export function secretText(result: SecretResult): string {
  switch (result.kind) {
    case "set": {
      const s = result.secret;
      const head = `${s.name} (${s.kind}) ${result.replaced ? "replaced" : "set"} for ${s.owner}; stored encrypted.`;
      const token = result.token ? [tokenText(result.token)] : [];
      return [head, ...token, ...machinesText(result.machines)].join("\n");
    }
    case "deleted":
      return [
        `${result.secret.name} deleted for ${result.secret.owner}.`,
        ...machinesText(result.machines),
      ].join("\n");
    case "show":
      return `${result.secret.name} (${result.secret.kind}) of ${result.secret.owner}: set ${formatUtc(result.secret.setAt)} by ${result.secret.setBy}, last used ${when(result.secret.usedAt)}.`;
    case "list":
      if (result.secrets.length === 0) return `${result.user} has no secrets.`;
      return textTable(
        ["NAME", "KIND", "SET", "SET BY", "LAST USED"],
        result.secrets.map((s) => [s.name, s.kind, formatUtc(s.setAt), s.setBy, when(s.usedAt)]),
      );
    case "link":
      return `Link to the secret form for ${result.user}, valid once until ${formatUtc(result.expiresAt)}:\n${result.url}`;
    case "rekeyed":
      return `${result.count} secrets re-sealed from key ${result.from} to ${result.to}. Now set CCC_SECRETS_KEY (or its file) to the new key and restart ccc: until then the running bot cannot open them.`;
  }
}

function secretBlocks(result: SecretResult): SlackMessage {
  if (result.kind === "link") {
    const text =
      result.delivery === "sent"
        ? "Slack cannot hide what you type, so secrets are set on the dashboard: I sent you a one-time link in a DM (10 minutes). It opens the secret form, with a password field."
        : `Your one-time link to the secret form (works once, for 10 minutes; do not share it): ${result.url}`;
    return { text, blocks: [section(text)] };
  }
  const text = secretText(result);
  return { text, blocks: [section(`\`\`\`${escapeText(text).slice(0, 2900)}\`\`\``)] };
}

const infoJson = (s: SecretInfo) => ({
  name: s.name,
  kind: s.kind,
  setAt: s.setAt.toISOString(),
  setBy: s.setBy,
  lastUsedAt: s.usedAt ? s.usedAt.toISOString() : null,
});

const machineJson = (m: SecretsDelivery) => ({
  instanceId: m.instanceId,
  outcome: m.kind,
  ...(m.kind === "delivered" ? { withheld: m.withheld } : {}),
  ...(m.kind === "skipped" ? { reason: m.reason } : {}),
  ...(m.kind === "failed" ? { message: m.message } : {}),
  ...(m.kind === "failed" && m.retryAt ? { retryAt: m.retryAt.toISOString() } : {}),
});

const tokenJson = (v: ForgeTokenVerdict) =>
  v.outcome === "works"
    ? { forge: v.forge, outcome: v.outcome, login: v.login }
    : { forge: v.forge, outcome: v.outcome, reason: v.why };

export function secretJson(result: SecretResult): unknown {
  switch (result.kind) {
    case "set":
      return {
        ...infoJson(result.secret),
        replaced: result.replaced,
        machines: result.machines.map(machineJson),
        ...(result.token ? { tokenCheck: tokenJson(result.token) } : {}),
      };
    case "deleted":
      return { ...infoJson(result.secret), deleted: true, machines: result.machines.map(machineJson) };
    case "list":
      return { user: result.user, secrets: result.secrets.map(infoJson) };
    case "show":
      return infoJson(result.secret);
    case "link":
      return { user: result.user, url: result.url, expiresAt: result.expiresAt.toISOString() };
    case "rekeyed":
      return { count: result.count, from: result.from, to: result.to };
  }
}

/** Slack words: a value typed into Slack is refused before it goes anywhere (Slack keeps it, unmasked). */
function slackInput(words: readonly string[]): unknown {
  if (looksLikeSecret(words.join(" "))) throw new UserError(PASTED_SECRET_HINT, { code: "secret_in_slack" });
  const [action, nameWord] = words;
  const verb = action?.toLowerCase();
  if (verb === "list") return { action: "list" };
  if (verb === "delete" || verb === "remove" || verb === "rm") return { action: "delete", name: nameWord };
  // `/ccc secret`, `/ccc secret set NAME`, `/ccc secret NAME`: the form, where the value is masked.
  if (words.length > 2) throw new UserError(PASTED_SECRET_HINT, { code: "secret_in_slack" });
  return { action: "link" };
}

export const secretCommand = defineCommand({
  name: "secret",
  aliases: ["secrets"],
  summary: "your secrets (API keys, tokens) for your machines: set one, list them, delete one",
  input: secretInput,
  audience: "self",
  run,
  text: secretText,
  json: secretJson,
  blocks: secretBlocks,
  doors: {
    http: [
      {
        method: "GET",
        path: "/me/secrets",
        operation: "listSecrets",
        from: "none",
        fixed: (actor) => ({ action: "list", user: actor.id }),
        status: 200,
        response: "secretList",
        example: { response: { user: "U012AB3CD", secrets: [INFO] } },
      },
      {
        method: "GET",
        path: "/me/secrets/:name",
        param: NAME_PARAM,
        operation: "showSecret",
        from: "none",
        fixed: (actor) => ({ action: "show", user: actor.id }),
        status: 200,
        response: "secretInfo",
        example: { response: INFO },
      },
      {
        method: "PUT",
        path: "/me/secrets/:name",
        param: NAME_PARAM,
        operation: "setSecret",
        from: "body",
        fixed: (actor) => ({ action: "set", user: actor.id }),
        status: 200,
        response: "secretSet",
        example: {
          body: { value: "sk-ant-api03-…" },
          response: {
            ...INFO,
            replaced: false,
            machines: [{ instanceId: "ccc-7f3k2q", outcome: "delivered", withheld: false }],
          },
        },
      },
      {
        method: "DELETE",
        path: "/me/secrets/:name",
        param: NAME_PARAM,
        operation: "deleteSecret",
        from: "none",
        fixed: (actor) => ({ action: "delete", user: actor.id }),
        status: 200,
        response: "secretDeleted",
        example: {
          response: {
            ...INFO,
            deleted: true,
            machines: [{ instanceId: "ccc-7f3k2q", outcome: "delivered", withheld: false }],
          },
        },
      },
    ],
    cli: {
      args: ["<action>", "[name]"],
      options: [
        { flags: "--user <user>", description: "whose secrets (a Slack user id or a name; default: you)" },
      ],
      // The value (set) or the new key (rekey) is read from standard input or a prompt, never from arguments.
      secretFrom: ({ action }) =>
        action === "set"
          ? { key: "value", prompt: "Value (not shown): " }
          : action === "rekey"
            ? { key: "value", prompt: "New key (base64, not shown): " }
            : null,
      // Setting or deleting delivers to the person's live machines over SSH.
      needs: ({ action }) => (action === "set" || action === "delete" ? { cloud: true } : {}),
      examples: [
        "ccc secret set ANTHROPIC_API_KEY --user U012AB3CD < key.txt",
        "ccc secret set GITHUB_TOKEN            # asks for it, without echo",
        "ccc secret list --user U012AB3CD",
        "ccc secret delete GITHUB_TOKEN --user U012AB3CD",
        "openssl rand -base64 32 > new.key && ccc secrets rekey < new.key",
      ],
      input: ({ args, options, config }) => {
        const user = options.user ?? config.operator.name;
        switch (args.action) {
          case "set":
            return { action: "set", name: args.name, user, value: options.value };
          case "delete":
          case "show":
            return { action: args.action, name: args.name, user };
          case "rekey":
            return { action: "rekey", value: options.value };
          default:
            return { action: args.action, user };
        }
      },
    },
    slack: {
      usage: "secret [list | delete NAME]",
      help: "your secrets for your machines (API keys, tokens): a one-time link to the form, list, delete",
      input: slackInput,
    },
  },
});
