import * as z from "zod";
import type { Instance } from "../core/instances/instance.ts";
import { parseOwner } from "../core/instances/owner.ts";
import { describeRequest, planAgain } from "../core/provision/last-request.ts";
import { readyMessage } from "../render/block-kit/instance-blocks.ts";
import { escapeText, section } from "../render/block-kit/mrkdwn.ts";
import { instanceJson } from "../render/json.ts";
import { EXAMPLES } from "../render/schemas/examples.ts";
import { defineCommand, type Started } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { checked, parseInput } from "./input.ts";
import { progressStream } from "./progress.ts";
import { acceptProvision, buildProvision, buildShown, provisionText } from "./provision.ts";

/** Whose last request to repeat; the asker's own by default. */
export const againInput = z.object({ user: checked(z.string(), parseOwner).optional() });

/**
 * Records a new machine like the person's last one, through the provision verb's own checks (caps,
 * quota, known type and location, package rules, the key): nothing is spent yet.
 */
export async function acceptAgain(
  ctx: CommandContext,
  input: z.input<typeof againInput>,
): Promise<{ instance: Instance; description: string }> {
  const { user } = parseInput(againInput, input);
  const plan = planAgain(ctx.deps, ctx.actor, user ?? ctx.actor.id);
  const instance = await acceptProvision(ctx, {
    owner: plan.owner,
    sshKey: plan.key,
    hours: plan.request.hours,
    serverType: plan.request.serverType,
    location: plan.request.location,
    packages: plan.request.packages,
    // The repository it started from, checked again (the token may have changed since).
    ...(plan.request.repo ? { repo: plan.request.repo, fullClone: plan.request.fullClone === true } : {}),
  });
  return { instance, description: describeRequest(plan.request) };
}

/** What `again` answers at once: the recorded machine, and the request it repeats in words. */
export interface AgainAccepted {
  instance: Instance;
  description: string;
}

async function start(
  ctx: CommandContext,
  input: z.output<typeof againInput>,
): Promise<Started<AgainAccepted, Instance>> {
  const accepted = await acceptAgain(ctx, input);
  const work = progressStream(ctx.deps.clock, (emit) => buildProvision(ctx, accepted.instance, emit));
  return { accepted, work };
}

export const againCommand = defineCommand({
  name: "again",
  summary: "create a machine like your last one (type, location, hours, extra software), with your last key",
  input: againInput,
  audience: "self",
  start,
  accepted: {
    ...buildShown((accepted: AgainAccepted) => accepted.instance),
    text: ({ instance, description }) => `${instance.id}: the same as last time: ${description}`,
    blocks: ({ instance, description }) => ({
      text: `Creating ${instance.id} like last time: ${description}. Watch your DMs.`,
      blocks: [
        section(
          `:repeat: Creating *${instance.id}* like last time: ${escapeText(description)}. Watch your DMs.`,
        ),
      ],
    }),
  },
  text: (instance, { now, sshPort }) => provisionText(instance, now, sshPort),
  json: instanceJson,
  blocks: (instance, { now, sshPort }) => readyMessage(instance, now, sshPort),
  doors: {
    http: [
      {
        method: "POST",
        path: "/again",
        from: "body",
        status: 202,
        response: "instance",
        example: { body: {}, response: EXAMPLES.creating },
      },
    ],
    cli: {
      options: [{ flags: "--user <name>", description: "whose last request to repeat (default: you)" }],
      needs: { cloud: true, installer: true, notifies: true },
      examples: ["ccc again --user U012AB3CD", "ccc again --json"],
      input: ({ options, config }) => ({ user: options.user ?? config.operator.name }),
    },
    slack: {
      usage: "again",
      help: "a machine like your last one: same type, region, hours and software, your last key",
      hook: "again",
      input: () => ({}),
    },
  },
});
