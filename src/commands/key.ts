import * as z from "zod";
import { UserError } from "../core/errors.ts";
import { parseOwner } from "../core/instances/owner.ts";
import { setUserKey, showUserKey, type UserKeyResult } from "../core/instances/user-key.ts";
import { parseSshPublicKey } from "../core/ssh-key/ssh-key.ts";
import { personMrkdwn } from "../render/access.ts";
import { type SlackMessage, section } from "../render/block-kit/mrkdwn.ts";
import { EXAMPLE_KEY } from "../render/schemas/examples.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { checked, parseInput } from "./input.ts";

/** The example key's fingerprint, for the API document. */
const FINGERPRINT = "SHA256:q7Hn3Yl3mVJbJc1nY1Yx9kzQ3E1h7n2zXb2cY0mZr6c";

/** `set` needs a key; `show` takes none. The key is parsed here, so a private one is refused first. */
export const keyInput = z
  .object({
    action: z.enum(["show", "set"], { message: "Say `set` or `show`." }).default("show"),
    user: checked(z.string(), parseOwner).optional(),
    sshKey: checked(z.string(), (k) => parseSshPublicKey(k).line).optional(),
  })
  .superRefine((input, ctx) => {
    if (input.action === "set" && input.sshKey === undefined) {
      ctx.addIssue({ code: "custom", message: "Give the key to set with --ssh-key.", path: ["sshKey"] });
    }
  });

function run(ctx: CommandContext, input: z.output<typeof keyInput>): Promise<UserKeyResult> | UserKeyResult {
  const user = input.user ?? ctx.actor.id;
  if (input.action === "show") return showUserKey(ctx.deps, ctx.actor, user);
  if (input.sshKey === undefined)
    throw new UserError("Give the key to set with --ssh-key.", { field: "sshKey" });
  return setUserKey(ctx.deps, ctx.actor, user, input.sshKey);
}

/** Sets or shows a person's SSH key (what the modal's submission runs too). */
export function key(
  ctx: CommandContext,
  input: z.input<typeof keyInput>,
): Promise<UserKeyResult> | UserKeyResult {
  return run(ctx, parseInput(keyInput, input));
}

function sharesText(result: UserKeyResult): string[] {
  return [
    ...result.shared.map(
      (s) => `let into ${s.instance.id}${s.instance.ipv4 ? `: ssh claude@${s.instance.ipv4}` : ""}`,
    ),
    ...result.dropped.map((d) => `not let into ${d.instanceId}: ${d.reason}`),
  ];
}

export function keyText(result: UserKeyResult): string {
  const head = result.fingerprint
    ? `${result.user}'s SSH key: ${result.fingerprint}`
    : `${result.user} has no SSH key on record.`;
  return [head, ...sharesText(result)].join("\n");
}

export function keyBlocks(result: UserKeyResult): SlackMessage {
  const head = result.fingerprint
    ? `:key: ${personMrkdwn(result.user)}'s SSH key is \`${result.fingerprint}\`.`
    : `:key: ${personMrkdwn(result.user)} has no SSH key on record.`;
  const lines = sharesText(result).map((l) => `• ${l}`);
  return { text: keyText(result), blocks: [section([head, ...lines].join("\n"))] };
}

export const keyCommand = defineCommand({
  name: "key",
  summary: "set or show the SSH key a person is let in with (shares waiting for it complete)",
  input: keyInput,
  audience: "self",
  run,
  text: keyText,
  json: (r) => ({
    user: r.user,
    fingerprint: r.fingerprint,
    shared: r.shared.map((s) => s.instance.id),
    dropped: r.dropped,
  }),
  blocks: keyBlocks,
  doors: {
    http: [
      {
        method: "GET",
        path: "/me/key",
        operation: "showKey",
        from: "none",
        fixed: (actor) => ({ action: "show", user: actor.id }),
        status: 200,
        response: "key",
        example: { response: { user: "U012AB3CD", fingerprint: FINGERPRINT, shared: [], dropped: [] } },
      },
      {
        method: "PUT",
        path: "/me/key",
        operation: "setKey",
        from: "body",
        fixed: (actor) => ({ action: "set", user: actor.id }),
        status: 200,
        response: "key",
        example: {
          body: { sshKey: EXAMPLE_KEY },
          response: { user: "U012AB3CD", fingerprint: FINGERPRINT, shared: ["ccc-7f3k2q"], dropped: [] },
        },
      },
    ],
    cli: {
      args: ["[action]"],
      options: [
        { flags: "--user <user>", description: "whose key (a Slack user id or a name; default: you)" },
        {
          flags: "--ssh-key <file|-|key>",
          description: "the key to set: a file, - for standard input, or the key",
          fileOrText: true,
        },
      ],
      // Setting a key may complete shares (reaching machines and telling people); showing reads the store.
      needs: ({ action }) => (action === "set" ? { cloud: true, notifies: true } : {}),
      examples: ["ccc key --user U0BOB", "ccc key set --user U0BOB --ssh-key bob.pub"],
      input: ({ args, options }) => ({ action: args.action, user: options.user, sshKey: options.sshKey }),
    },
    slack: {
      usage: "key",
      help: "set or replace the SSH key you are let in with (opens a form)",
      hook: "key-modal",
      input: () => ({ action: "show" }),
    },
  },
});
