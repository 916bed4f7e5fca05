import * as z from "zod";
import { UserError } from "../core/errors.ts";
import { parseRepoSpec } from "../core/workspace/repo-spec.ts";
import { workspaceSettingsOf } from "../core/workspace/workspace-settings.ts";
import { context, escapeText, section } from "../render/block-kit/mrkdwn.ts";
import { plainSlackText } from "../render/block-kit/slack-text.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";

// `channel repo` shows, sets or clears a Slack channel's default repository: a task asked there
// without naming one (`@ccc fix the flaky test`, `/ccc task fix …`) works on it. Anyone in the
// channel may set it: the Slack door always names the channel the command was typed in, which
// Slack only lets its members do. The CLI (the operator, an admin) names any channel by its id.

const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

export const channelInput = z
  .object({
    channel: z
      .string()
      .regex(CHANNEL_ID, "Name the channel by its id (C…), from its details in Slack.")
      .describe("the Slack channel's id"),
    action: z.enum(["show", "set", "clear"]).default("show"),
    repo: z.string().trim().optional(),
  })
  .superRefine((input, ctx) => {
    if (input.action === "set" && !input.repo) {
      ctx.addIssue({
        code: "custom",
        message: "Say which repository: channel repo acme/api",
        path: ["repo"],
      });
    }
  });

export interface ChannelResult {
  channel: string;
  action: "show" | "set" | "clear";
  /** The default now, or null. */
  repo: string | null;
  setBy: string | null;
  /** For `clear`: whether there was one. */
  changed: boolean;
}

function run(ctx: CommandContext, input: z.output<typeof channelInput>): ChannelResult {
  const table = ctx.deps.store.channelRepos;
  const { channel, action } = input;
  if (action === "set" && input.repo) {
    // Its form now, so a typo is said here; whether the asker's token reads it is checked per task.
    parseRepoSpec(input.repo, workspaceSettingsOf(ctx.deps));
    table.put({ channel, repo: input.repo, setBy: ctx.actor.id, setAt: ctx.deps.clock.now() });
    return { channel, action, repo: input.repo, setBy: ctx.actor.id, changed: true };
  }
  if (action === "clear") {
    const changed = table.remove(channel);
    return { channel, action, repo: null, setBy: null, changed };
  }
  const current = table.get(channel);
  return { channel, action, repo: current?.repo ?? null, setBy: current?.setBy ?? null, changed: false };
}

function text(r: ChannelResult): string {
  if (r.action === "clear") {
    return r.changed
      ? "This channel has no default repository any more."
      : "This channel had no default repository.";
  }
  if (r.repo === null) {
    return "This channel has no default repository: name one in each task (`/ccc task acme/api …`), or set it with `/ccc channel repo acme/api`.";
  }
  const by = r.action === "set" ? "" : r.setBy ? ` (set by <@${r.setBy}>)` : "";
  return `Tasks asked in this channel without a repository work on \`${r.repo}\`${by}.`;
}

/** The Slack words after `channel`: `repo`, then a repository, `none`, or nothing (show). */
function slackInput(words: readonly string[], where?: { channelId?: string }): unknown {
  const [what, value, ...more] = words;
  if (what?.toLowerCase() !== "repo" || more.length > 0) {
    throw new UserError("Usage: /ccc channel repo [<owner/name>|none], e.g. /ccc channel repo acme/api");
  }
  const channel = where?.channelId ?? "";
  if (value === undefined) return { channel, action: "show" };
  if (["none", "clear", "-"].includes(value.toLowerCase())) return { channel, action: "clear" };
  return { channel, action: "set", repo: plainSlackText(value) };
}

export const channelCommand = defineCommand({
  name: "channel",
  summary: "a Slack channel's default repository for tasks asked there",
  input: channelInput,
  audience: "self",
  run,
  text: (r) => (r.action === "clear" || r.repo === null ? text(r) : `${r.channel}: ${r.repo}`),
  json: (r) => ({ channel: r.channel, repo: r.repo, setBy: r.setBy, changed: r.changed }),
  blocks: (r) => {
    const line = text(r);
    return {
      text: line,
      blocks: [
        section(escapeText(line).replace(/&lt;(@U[A-Z0-9]+)&gt;/g, "<$1>")),
        ...(r.repo ? [context("`/ccc channel repo none` clears it.")] : []),
      ],
    };
  },
  doors: {
    cli: {
      args: ["<what>", "<id>", "[repo]"],
      options: [{ flags: "--clear", description: "forget the channel's default repository" }],
      needs: {},
      examples: ["ccc channel repo C012AB3CD acme/api", "ccc channel repo C012AB3CD --clear"],
      input: ({ args, options }) => {
        if (args.what !== "repo") throw new UserError("Usage: ccc channel repo <channel id> [repo]");
        const action = options.clear ? "clear" : args.repo ? "set" : "show";
        return { channel: args.id, action, repo: args.repo };
      },
    },
    slack: {
      usage: "channel repo [<repo>|none]",
      help: "this channel's default repository for tasks (`@ccc fix …` without `in <repo>`)",
      example: "channel repo acme/api",
      inAck: true,
      input: slackInput,
    },
  },
});
