import * as z from "zod";
import { type HibernateResult, hibernateMachine } from "../core/hibernate/hibernate.ts";
import { escapeText, type SlackMessage, section } from "../render/block-kit/mrkdwn.ts";
import { lifetimePhrase } from "../render/hibernation-notices.ts";
import { EXAMPLE_ID } from "../render/schemas/examples.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { instanceId } from "./input.ts";

export const hibernateInput = z.object({ id: instanceId });

function run(ctx: CommandContext, input: z.output<typeof hibernateInput>): Promise<HibernateResult> {
  ctx.report?.(`${input.id}: checking nothing runs, then saving it (about a minute) and deleting its server`);
  return hibernateMachine(ctx.deps, ctx.actor, input.id, "asked");
}

export function hibernateText(result: HibernateResult): string {
  const { id } = result.instance;
  switch (result.kind) {
    case "hibernated":
      return `${id} is hibernating: saved, server deleted, ${lifetimePhrase(result.hibernation.remainingMs)} of lifetime kept. ssh will not answer while it sleeps; wake it with: ccc wake ${id}`;
    case "failed":
      return `${id} could not be saved (${result.reason}); it was not deleted and keeps running.`;
    case "in_use":
      return `${id} was not hibernated: ${result.reasons.map((r) => r.text).join("; ")}.`;
  }
}

function hibernateBlocks(result: HibernateResult): SlackMessage {
  const text = hibernateText(result);
  const { id } = result.instance;
  const mark = result.kind === "hibernated" ? ":sleeping:" : ":warning:";
  return { text, blocks: [section(`${mark} ${escapeText(text).replace(id, `*${id}*`)}`)] };
}

export const hibernateCommand = defineCommand({
  name: "hibernate",
  summary: "save a running machine and delete its server now; wake brings it back as it was",
  input: hibernateInput,
  audience: "owner-or-admin",
  run,
  text: hibernateText,
  json: (result) => ({
    id: result.instance.id,
    hibernated: result.kind === "hibernated",
    ...(result.kind === "in_use" ? { reasons: result.reasons.map((r) => r.text) } : {}),
    ...(result.kind === "failed" ? { error: result.reason } : {}),
  }),
  blocks: hibernateBlocks,
  failed: (result) => result.kind !== "hibernated",
  doors: {
    http: [
      {
        method: "POST",
        path: "/instances/:id/hibernate",
        from: "none",
        status: 200,
        serialized: true,
        response: "hibernated",
        example: { response: { id: EXAMPLE_ID, hibernated: true } },
      },
    ],
    cli: {
      args: ["<id>"],
      needs: { cloud: true },
      examples: ["ccc hibernate ccc-7f3k2q"],
      input: ({ args }) => ({ id: args.id }),
    },
    slack: {
      usage: "hibernate <id>",
      help: "save a machine and delete its server now; `/ccc wake <id>` brings it back",
      example: "hibernate ccc-7f3k2q",
      serialized: true,
      input: ([id]) => ({ id }),
    },
  },
});
