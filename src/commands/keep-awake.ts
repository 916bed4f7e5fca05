import * as z from "zod";
import { type KeepAwakeResult, keepAwake } from "../core/hibernate/keep-awake.ts";
import { type SlackMessage, section } from "../render/block-kit/mrkdwn.ts";
import { EXAMPLE_ID } from "../render/schemas/examples.ts";
import { formatUtc } from "../render/time.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { hours, instanceId } from "./input.ts";

export const keepAwakeInput = z.object({ id: instanceId, hours: hours.optional() });

function run(ctx: CommandContext, input: z.output<typeof keepAwakeInput>): KeepAwakeResult {
  return keepAwake(ctx.deps, ctx.actor, input.id, input.hours);
}

export function keepAwakeText(result: KeepAwakeResult): string {
  const { id } = result.instance;
  const until = result.record.keepAwakeUntil;
  const limit = result.idleLimitMs;
  if (until && until.getTime() > result.record.lastActiveAt.getTime()) {
    return `${id} is kept awake until ${formatUtc(until)}; after that it hibernates once idle${limit ? ` for ${limit / 60_000} minutes` : ""}.`;
  }
  return limit === null
    ? `${id} keeps running (it does not hibernate when idle).`
    : `${id} keeps running: it hibernates only after another ${limit / 60_000} idle minutes.`;
}

function keepAwakeBlocks(result: KeepAwakeResult): SlackMessage {
  const text = keepAwakeText(result);
  return {
    text,
    blocks: [section(`:coffee: ${text.replace(result.instance.id, `*${result.instance.id}*`)}`)],
  };
}

export const keepAwakeCommand = defineCommand({
  name: "keep-awake",
  summary: "keep a machine from hibernating: one more idle period, or --hours N",
  input: keepAwakeInput,
  audience: "owner-or-admin",
  refusedAs: "keep awake",
  run,
  text: keepAwakeText,
  json: (result) => ({
    id: result.instance.id,
    lastActiveAt: result.record.lastActiveAt.toISOString(),
    keepAwakeUntil: result.record.keepAwakeUntil?.toISOString() ?? null,
  }),
  blocks: keepAwakeBlocks,
  doors: {
    http: [
      {
        method: "POST",
        path: "/instances/:id/keep-awake",
        from: "body",
        status: 200,
        response: "keptAwake",
        example: {
          body: { hours: 3 },
          response: {
            id: EXAMPLE_ID,
            lastActiveAt: "2026-12-07T09:00:00.000Z",
            keepAwakeUntil: "2026-12-07T12:00:00.000Z",
          },
        },
      },
    ],
    cli: {
      args: ["<id>"],
      options: [
        { flags: "--hours <n>", description: "count the machine as active for this many hours (1-24)" },
      ],
      needs: {},
      examples: ["ccc keep-awake ccc-7f3k2q", "ccc keep-awake ccc-7f3k2q --hours 6"],
      input: ({ args, options }) => ({ id: args.id, hours: options.hours }),
    },
    slack: {
      usage: "keep-awake <id> [hours]",
      help: "keep a machine from hibernating, e.g. `/ccc keep-awake ccc-7f3k2q 6`",
      example: "keep-awake ccc-7f3k2q 6",
      serialized: true,
      input: ([id, h]) => ({ id, hours: h }),
    },
  },
});
