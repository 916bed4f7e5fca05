import * as z from "zod";
import { type CreatedToken, createToken, listTokens, revokeToken } from "../core/identity/api-tokens.ts";
import { parseOwner } from "../core/instances/owner.ts";
import type { ApiToken } from "../core/store/store.ts";
import { escapeText, type SlackMessage, section } from "../render/block-kit/mrkdwn.ts";
import { textTable } from "../render/text.ts";
import { formatUtc } from "../render/time.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { checked } from "./input.ts";

const owner = checked(z.string(), parseOwner);

/** `create` (for you, or anyone for an admin), `list`, `revoke <id>`. */
export const tokenInput = z.discriminatedUnion(
  "action",
  [
    z.object({
      action: z.literal("create"),
      user: owner,
      name: z
        .string()
        .max(60)
        .optional()
        .transform((v) => v?.trim() || "default"),
      // Still read so that asking for it is refused with the reason, not ignored.
      admin: z.boolean().default(false),
    }),
    z.object({ action: z.literal("list"), user: owner.optional() }),
    z.object({
      action: z.literal("revoke"),
      id: z
        .string()
        .trim()
        .regex(/^tok_[0-9a-f]{12}$/, "not a token id"),
    }),
  ],
  { error: "The action must be create, list or revoke." },
);

export type TokenResult =
  | { kind: "created"; created: CreatedToken }
  | { kind: "list"; tokens: ApiToken[] }
  | { kind: "revoked"; token: ApiToken };

function run(ctx: CommandContext, input: z.output<typeof tokenInput>): TokenResult {
  const { deps, actor } = ctx;
  switch (input.action) {
    case "create":
      return {
        kind: "created",
        created: createToken(deps, actor, input, deps.policy.maxTokensPerUser),
      };
    case "list":
      // Without a user: everyone's for an admin, one's own for anyone else.
      return {
        kind: "list",
        tokens: listTokens(deps.store, actor, input.user ?? (actor.isAdmin ? undefined : actor.id)),
      };
    case "revoke":
      return { kind: "revoked", token: revokeToken(deps, actor, input.id) };
  }
}

export function tokenJson(token: ApiToken) {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: token.id,
    user: token.user,
    name: token.name,
    prefix: `${token.prefix}…`,
    createdAt: token.createdAt.toISOString(),
    createdBy: token.createdBy,
    lastUsedAt: iso(token.lastUsedAt),
    revokedAt: iso(token.revokedAt),
  };
}

const ONCE =
  "It is shown only this once: keep it somewhere safe. Send it as `Authorization: Bearer <token>`.";

function tokenText(result: TokenResult): string {
  switch (result.kind) {
    case "created": {
      const { token, secret } = result.created;
      return `${secret}\n${token.id} (${token.name}) for ${token.user}. ${ONCE}`;
    }
    case "list":
      if (result.tokens.length === 0) return "No tokens.";
      return textTable(
        ["ID", "USER", "NAME", "PREFIX", "CREATED", "LAST USED", "REVOKED"],
        result.tokens.map((t) => [
          t.id,
          t.user,
          t.name,
          `${t.prefix}…`,
          formatUtc(t.createdAt),
          t.lastUsedAt ? formatUtc(t.lastUsedAt) : "never",
          t.revokedAt ? formatUtc(t.revokedAt) : "",
        ]),
      );
    case "revoked":
      return `${result.token.id} (${result.token.prefix}…) is revoked; requests with it are refused from now on.`;
  }
}

function tokenBlocks(result: TokenResult): SlackMessage {
  if (result.kind === "created") {
    const { token, secret } = result.created;
    return {
      text: `Your new ccc API token ${token.id}`,
      blocks: [
        section(`:key: Your new ccc API token (*${token.id}*):\n\`\`\`${secret}\`\`\`\n${escapeText(ONCE)}`),
      ],
    };
  }
  const text = tokenText(result);
  return { text, blocks: [section(`\`\`\`${escapeText(text).slice(0, 2900)}\`\`\``)] };
}

export const tokenCommand = defineCommand({
  name: "token",
  summary: "personal API tokens: create one (shown once), list them, revoke one",
  input: tokenInput,
  audience: "self",
  run,
  text: tokenText,
  json: (result) => {
    switch (result.kind) {
      case "created":
        return { ...tokenJson(result.created.token), token: result.created.secret };
      case "list":
        return result.tokens.map(tokenJson);
      case "revoked":
        return tokenJson(result.token);
    }
  },
  blocks: tokenBlocks,
  doors: {
    cli: {
      args: ["<action>", "[id]"],
      options: [
        {
          flags: "--user <name>",
          description: "whose token (create: default you; list: default everyone's)",
        },
        { flags: "--name <name>", description: "what the token is for, to recognise it by" },
        {
          flags: "--admin",
          description: "refused, saying why: a token is an admin's while its person is in CCC_ADMINS",
        },
      ],
      needs: {},
      examples: [
        "ccc token create --user U012AB3CD --name ci",
        "ccc token list --user U012AB3CD",
        "ccc token revoke tok_0123456789ab",
      ],
      input: ({ args, options, config }) =>
        args.action === "create"
          ? {
              action: "create",
              user: options.user ?? config.operator.name,
              name: options.name,
              admin: Boolean(options.admin),
            }
          : args.action === "revoke"
            ? { action: "revoke", id: args.id }
            : { action: args.action, user: options.user },
    },
    slack: {
      usage: "token [list | revoke <id>]",
      help: "a personal API token for the HTTP API, sent to you in a DM (shown once)",
      hook: "token-dm",
      input: ([action, id]) => ({ action: action?.toLowerCase() ?? "create", id }),
    },
  },
});
