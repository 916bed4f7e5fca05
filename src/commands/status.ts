import * as z from "zod";
import { type Access, accessOf } from "../core/instances/access.ts";
import { instanceFor } from "../core/instances/actor.ts";
import { type Instance, isEnded } from "../core/instances/instance.ts";
import type { WorkspaceOutcome } from "../core/workspace/prepare-workspace.ts";
import { accessMrkdwn, accessText } from "../render/access.ts";
import { instanceCard } from "../render/block-kit/instance-blocks.ts";
import { context, escapeText, type SlackMessage } from "../render/block-kit/mrkdwn.ts";
import { type IdleView, idleJson, idleLines } from "../render/hibernation-view.ts";
import { instanceJson } from "../render/json.ts";
import type { PeopleNames } from "../render/people.ts";
import { EXAMPLES } from "../render/schemas/examples.ts";
import { softwareContext } from "../render/software.ts";
import { type Ending, instanceDetails } from "../render/text.ts";
import { workspaceJson } from "../render/workspace.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { instanceId, parseInput } from "./input.ts";
import { type ListResult, listBlocks, listOf, listText } from "./list.ts";

/** Without an id: the asker's one machine, or the list of theirs. */
export const statusInput = z.object({ id: instanceId.optional() });

export interface StatusResult {
  instance: Instance;
  /** Milliseconds until expiry; negative once past. */
  timeLeftMs: number;
  /** Who may log in; absent when nobody asked the store (a card built elsewhere). */
  access?: Access[];
  /** How an ended machine ended (when, by whom, why), from its audit trail. */
  ending?: Ending;
  /** Last active time, why it counts as active, or its hibernation. */
  idle?: IdleView;
  /** What preparing its workspace (repository, devShell, dotfiles) came to; null: no workspace asked or not yet. */
  workspace?: { outcome: WorkspaceOutcome; preparedAt: Date } | null;
}

type Outcome = { kind: "one"; status: StatusResult } | { kind: "mine"; list: ListResult };

function one(ctx: CommandContext, id: string): StatusResult {
  const instance = instanceFor(ctx.deps.store, ctx.actor, id, "see");
  const ending = isEnded(instance.status) ? endingOf(ctx, instance) : undefined;
  return {
    instance,
    timeLeftMs: instance.expiresAt.getTime() - ctx.deps.clock.now().getTime(),
    access: accessOf(ctx.deps.store, instance),
    ...(ending ? { ending } : {}),
    idle: {
      activity: ctx.deps.store.hibernation.activity(instance.id),
      hibernation: ctx.deps.store.hibernation.current(instance.id),
      keptAddress: ctx.deps.store.keptAddresses.current(instance.id)?.ipv4 ?? null,
    },
    workspace: ctx.deps.store.workspaces.outcome(instance.id),
  };
}

/** The event that ended the machine: the owner reads the plain reason, admins also the detail (logs, Hetzner's words). */
function endingOf(ctx: CommandContext, instance: Instance): Ending | undefined {
  const event = ctx.deps.store
    .events(instance.id)
    .filter((e) => e.kind === instance.status)
    .at(-1);
  if (!event) return undefined;
  const why =
    instance.status === "failed"
      ? (instance.failureReason ?? "the build failed")
      : (instance.failureReason ?? event.detail ?? "deleted");
  const detail = ctx.actor.isAdmin && event.detail && event.detail !== why ? event.detail : undefined;
  return { at: event.at, by: event.actor, why, ...(detail ? { detail } : {}) };
}

function run(ctx: CommandContext, input: z.output<typeof statusInput>): Outcome {
  if (input.id) return { kind: "one", status: one(ctx, input.id) };
  const instances = ctx.deps.store.list({ owner: ctx.actor.id });
  const [only] = instances;
  if (instances.length === 1 && only) return { kind: "one", status: one(ctx, only.id) };
  return { kind: "mine", list: listOf(ctx.deps.store, instances, false) };
}

/** One machine the actor may see, and the time it has left. */
export function status(ctx: CommandContext, input: { id: string }): StatusResult {
  return one(ctx, parseInput(z.object({ id: instanceId }), input).id);
}

export function statusText(result: StatusResult, now: Date, sshPort?: number, names?: PeopleNames): string {
  const details = instanceDetails(result.instance, now, result.ending, sshPort, names);
  const idle = result.idle
    ? idleLines(result.idle)
        .map((l) => `\n  idle:     ${l}`)
        .join("")
    : "";
  return (result.access ? `${details}\n  access:   ${accessText(result.access)}` : details) + idle;
}

export function statusBlocks(result: StatusResult, now: Date, showOwner: boolean): SlackMessage {
  const i = result.instance;
  const access = result.access ? [context(`Access: ${accessMrkdwn(result.access)}`)] : [];
  const idle = result.idle ? idleLines(result.idle) : [];
  return {
    text: `${i.id}: ${i.status}`,
    blocks: [
      ...instanceCard(i, now, { showOwner, ...(result.ending ? { ending: result.ending } : {}) }),
      ...softwareContext(i),
      ...access,
      ...(idle.length > 0 ? [context(idle.map(escapeText).join("\n"))] : []),
    ],
  };
}

export const statusCommand = defineCommand({
  name: "status",
  summary: "show one machine and the time it has left",
  input: statusInput,
  audience: "owner-or-admin",
  refusedAs: "see",
  run,
  text: (o, { now, sshPort, names }) =>
    o.kind === "one" ? statusText(o.status, now, sshPort, names) : listText(o.list, now, names),
  json: (o, viewer) =>
    o.kind === "one"
      ? {
          ...instanceJson(o.status.instance, viewer),
          timeLeftMs: isEnded(o.status.instance.status) ? null : o.status.timeLeftMs,
          access: o.status.access,
          ended: o.status.ending ? { ...o.status.ending, at: o.status.ending.at.toISOString() } : null,
          ...(o.status.idle ? idleJson(o.status.idle) : {}),
          workspace: o.status.workspace
            ? {
                ...workspaceJson(o.status.workspace.outcome),
                preparedAt: o.status.workspace.preparedAt.toISOString(),
              }
            : null,
        }
      : o.list.instances.map((i) => instanceJson(i, viewer)),
  blocks: (o, { now, actor }) =>
    o.kind === "one"
      ? statusBlocks(o.status, now, o.status.instance.owner !== actor.id)
      : listBlocks(o.list, now),
  doors: {
    http: [
      {
        method: "GET",
        path: "/instances/:id",
        from: "none",
        status: 200,
        response: "instanceStatus",
        example: {
          response: {
            ...EXAMPLES.ready,
            timeLeftMs: 12_600_000,
            access: [{ who: "U012AB3CD", role: "owner" }],
            ended: null,
            workspace: null,
          },
        },
      },
    ],
    cli: {
      args: ["<id>"],
      needs: {},
      examples: ["ccc status ccc-7f3k2q --json"],
      input: ({ args }) => ({ id: args.id }),
    },
    slack: {
      usage: "status [id]",
      help: "one machine, or all of yours",
      inAck: true,
      input: ([id]) => ({ id }),
    },
  },
});
