import * as z from "zod";
import { onlyAdminsMay } from "../core/instances/actor.ts";
import type { Instance } from "../core/instances/instance.ts";
import { parseOwner } from "../core/instances/owner.ts";
import type { Hibernation, Store } from "../core/store/store.ts";
import { personMrkdwn } from "../render/access.ts";
import { instanceCard } from "../render/block-kit/instance-blocks.ts";
import {
  type Block,
  context,
  dateToken,
  escapeText,
  type SlackMessage,
  section,
} from "../render/block-kit/mrkdwn.ts";
import { wakeButton as hibernationButtons } from "../render/hibernation-notices.ts";
import { instanceJson } from "../render/json.ts";
import type { PeopleNames } from "../render/people.ts";
import { EXAMPLES } from "../render/schemas/examples.ts";
import { instanceTable } from "../render/text.ts";
import { formatUtc } from "../render/time.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { queryFlag } from "./http-route.ts";
import { checked, parseInput } from "./input.ts";

export const listInput = z.object({
  all: z.boolean().default(false),
  /** One user's machines (yours by default). */
  user: checked(z.string(), parseOwner).optional(),
});

export interface ListResult {
  instances: Instance[];
  all: boolean;
  /** Who besides the owner may log in, by instance id; machines nobody was let into are left out. */
  guests?: Readonly<Record<string, readonly string[]>>;
  /** Last active time of each running machine the idle check has asked, by instance id. */
  lastActive?: Readonly<Record<string, Date>>;
  /** Machines asleep (hibernated) among those listed people's, with their lifetime kept. */
  asleep?: readonly Hibernation[];
}

/** A list of machines with their guests, as `list` and `status` show it. */
export function listOf(store: Store, instances: Instance[], all: boolean): ListResult {
  const guests = Object.fromEntries(store.guests.namesByInstance(instances.map((i) => i.id)));
  const lastActive: Record<string, Date> = {};
  for (const i of instances) {
    const at = store.hibernation.activity(i.id)?.lastActiveAt;
    if (at) lastActive[i.id] = at;
  }
  return { instances, all, guests, lastActive };
}

function run(ctx: CommandContext, input: z.output<typeof listInput>): ListResult {
  const { all, user = ctx.actor.id } = input;
  if (all) onlyAdminsMay(ctx.actor, "list everyone's machines");
  onlyAdminsMay(ctx.actor, "list someone else's machines", user);
  const listed = listOf(ctx.deps.store, ctx.deps.store.list(all ? {} : { owner: user }), all);
  return { ...listed, asleep: ctx.deps.store.hibernation.asleep(all ? undefined : user) };
}

/** The actor's live instances, one user's, or everyone's for an admin asking for all. */
export function list(ctx: CommandContext, input: z.input<typeof listInput>): ListResult {
  return run(ctx, parseInput(listInput, input));
}

export function listText(result: ListResult, now: Date, names?: PeopleNames): string {
  const shared = Object.entries(result.guests ?? {}).map(
    ([id, names]) => `${id} is shared with ${names.join(", ")}`,
  );
  const active = Object.entries(result.lastActive ?? {}).map(
    ([id, at]) => `${id} last active ${formatUtc(at)}`,
  );
  const asleep = (result.asleep ?? []).map(
    (h) => `${h.instanceId} is hibernating since ${formatUtc(h.sleptAt)}: ccc wake ${h.instanceId}`,
  );
  return [instanceTable(result.instances, now, result.all, names), ...shared, ...active, ...asleep].join(
    "\n",
  );
}

export function listBlocks(result: ListResult, now: Date): SlackMessage {
  const whose = result.all ? "All live machines" : "Your machines";
  if (result.instances.length === 0 && (result.asleep ?? []).length === 0) {
    const text = result.all
      ? "No machines are running."
      : "You have no machines. Start one with /ccc provision.";
    return { text, blocks: [section(escapeText(text))] };
  }
  const blocks: Block[] = [section(`*${whose}* (${result.instances.length})`)];
  for (const i of result.instances.slice(0, 15)) {
    blocks.push({ type: "divider" }, ...instanceCard(i, now, { showOwner: result.all }));
    const guests = result.guests?.[i.id];
    if (guests) blocks.push(context(`Shared with ${guests.map(personMrkdwn).join(", ")}`));
    const active = result.lastActive?.[i.id];
    if (active) blocks.push(context(`Last active ${dateToken(active)}`));
  }
  for (const h of (result.asleep ?? []).slice(0, 15)) {
    blocks.push(
      { type: "divider" },
      section(
        `:sleeping: *${h.instanceId}* is hibernating since ${dateToken(h.sleptAt)}; ssh does not answer while it sleeps.`,
      ),
      hibernationButtons(h.instanceId),
    );
  }
  if (result.instances.length > 15) blocks.push(context(`…and ${result.instances.length - 15} more.`));
  return { text: `${whose}: ${result.instances.map((i) => i.id).join(", ")}`, blocks };
}

export const listCommand = defineCommand({
  name: "list",
  aliases: ["ls"],
  summary: "list live machines: yours, one user's, or everyone's (admins)",
  input: listInput,
  audience: "self",
  run,
  text: (result, { now, names }) => listText(result, now, names),
  json: (result, viewer) =>
    result.instances.map((i) => ({ ...instanceJson(i, viewer), guests: result.guests?.[i.id] ?? [] })),
  blocks: (result, { now }) => listBlocks(result, now),
  doors: {
    http: [
      {
        method: "GET",
        path: "/instances",
        from: "query",
        query: (q) => ({ all: queryFlag(q.all), user: q.user }),
        status: 200,
        response: "instanceList",
        example: { query: { all: "false" }, response: [{ ...EXAMPLES.ready, guests: ["U0BOB"] }] },
      },
    ],
    cli: {
      options: [
        { flags: "--all", description: "every user's machines" },
        { flags: "--user <name>", description: "this user's machines" },
      ],
      needs: {},
      examples: ["ccc list --all", "ccc list --user U012AB3CD --json"],
      input: ({ options }) => ({ all: Boolean(options.all), user: options.user }),
    },
    slack: {
      usage: "list",
      help: "your machines (`/ccc list all`: everyone's, admins only)",
      inAck: true,
      input: ([first]) => ({ all: first?.toLowerCase() === "all" }),
    },
  },
});
