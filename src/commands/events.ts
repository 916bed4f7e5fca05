import * as z from "zod";
import { UserError } from "../core/errors.ts";
import { parseInstanceId } from "../core/instances/instance.ts";
import { parseGuest } from "../core/instances/owner.ts";
import type { InstanceEvent } from "../core/store/store.ts";
import { textTable } from "../render/text.ts";
import { formatUtc } from "../render/time.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { checked } from "./input.ts";

/** How many events one page holds when nobody says, and at most. */
export const EVENTS_PAGE = 100;
export const EVENTS_PAGE_MAX = 1000;

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `--since`: an ISO date or date-time, or a span back from now (`90m`, `24h`, `7d`, `2w`). */
export type Since = { at: Date } | { agoMs: number };

export function parseSince(value: string): Since {
  const text = value.trim();
  const span = /^(\d{1,6})\s*([mhdw])$/i.exec(text);
  if (span) return { agoMs: Number(span[1]) * (UNITS[(span[2] as string).toLowerCase()] ?? 0) };
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    // A date or a time without a zone is UTC, as the CLI shows times.
    const iso = text.replace(" ", "T");
    const zoned = /T.*(Z|[+-]\d{2}:?\d{2})$/.test(iso) || !iso.includes("T") ? iso : `${iso}Z`;
    const at = new Date(iso.includes("T") ? zoned : `${iso}T00:00:00Z`);
    if (!Number.isNaN(at.getTime())) return { at };
  }
  throw new UserError(
    `--since takes an ISO date or time (2026-12-01, 2026-12-01T09:30Z) or a span like 90m, 24h, 7d, 2w; not "${text}".`,
    { field: "since" },
  );
}

export const eventsInput = z.object({
  user: checked(z.string(), parseGuest).optional(),
  machine: checked(z.string(), parseInstanceId).optional(),
  since: checked(z.string(), parseSince).optional(),
  limit: z.coerce
    .number({ error: "limit is a whole number" })
    .int("limit is a whole number")
    .min(1, "limit is at least 1")
    .max(EVENTS_PAGE_MAX, `limit is at most ${EVENTS_PAGE_MAX}`)
    .default(EVENTS_PAGE),
  /** An event id: the page of events older than it (the `next` of the page before). */
  before: z.coerce
    .number({ error: "before is an event id" })
    .int()
    .positive("before is an event id")
    .optional(),
  csv: z.boolean().default(false),
});

export interface EventsResult {
  events: InstanceEvent[];
  /** The `before` that gives the next (older) page; null on the last one. */
  next: number | null;
  csv: boolean;
}

function run(ctx: CommandContext, input: z.output<typeof eventsInput>): EventsResult {
  const since = input.since
    ? "at" in input.since
      ? input.since.at
      : new Date(ctx.deps.clock.now().getTime() - input.since.agoMs)
    : undefined;
  // One more than asked says whether there is a next page.
  const found = ctx.deps.store.eventLog.find({
    user: input.user,
    instanceId: input.machine,
    since,
    before: input.before,
    limit: input.limit + 1,
  });
  const events = found.slice(0, input.limit);
  const next = found.length > input.limit ? (events.at(-1)?.id ?? null) : null;
  return { events, next, csv: input.csv };
}

export function eventJson(e: InstanceEvent) {
  return {
    id: e.id,
    at: e.at.toISOString(),
    actor: e.actor,
    kind: e.kind,
    machine: e.instanceId,
    detail: e.detail,
  };
}

/** Quoted when it holds a comma, quote or line break; a leading formula sign is defused. */
function csvCell(text: string): string {
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function eventsCsv(events: readonly InstanceEvent[]): string {
  const rows = events.map((e) =>
    [String(e.id), e.at.toISOString(), e.actor, e.kind, e.instanceId ?? "", e.detail ?? ""]
      .map(csvCell)
      .join(","),
  );
  return ["id,at,actor,kind,machine,detail", ...rows].join("\n");
}

export function eventsText(result: EventsResult): string {
  if (result.csv) return eventsCsv(result.events);
  if (result.events.length === 0) return "No events.";
  const table = textTable(
    ["ID", "AT", "ACTOR", "KIND", "MACHINE", "DETAIL"],
    result.events.map((e) => [
      String(e.id),
      formatUtc(e.at),
      e.actor,
      e.kind,
      e.instanceId ?? "",
      (e.detail ?? "").replaceAll(/\s+/g, " "),
    ]),
  );
  return result.next === null ? table : `${table}\nOlder events: add --before ${result.next}`;
}

export const eventsCommand = defineCommand({
  name: "events",
  summary: "the audit trail: who did what to which machine, token, budget or sign-in, newest first",
  input: eventsInput,
  audience: "admin",
  run,
  text: (result) => eventsText(result),
  json: (result) => ({ events: result.events.map(eventJson), next: result.next }),
  doors: {
    http: [
      {
        method: "GET",
        path: "/events",
        from: "query",
        query: (q) => ({
          user: q.user,
          machine: q.machine,
          since: q.since,
          limit: q.limit,
          before: q.before,
        }),
        status: 200,
        response: "events",
        example: {
          query: { since: "24h", limit: String(EVENTS_PAGE) },
          response: {
            events: [
              {
                id: 42,
                at: "2026-11-25T14:00:00.000Z",
                actor: "U012AB3CD",
                kind: "extended",
                machine: "ccc-7f3k2q",
                detail: "by 2 h",
              },
              {
                id: 41,
                at: "2026-11-25T13:58:00.000Z",
                actor: "U0ADMIN01",
                kind: "budget_set",
                machine: null,
                detail: "U012AB3CD: €25.00 a month",
              },
            ],
            next: null,
          },
        },
      },
    ],
    cli: {
      options: [
        { flags: "--user <user>", description: "only what this person did or what concerns them" },
        { flags: "--machine <id>", description: "only this machine's events" },
        { flags: "--since <when>", description: "an ISO date or time, or a span back: 90m, 24h, 7d" },
        { flags: "--limit <n>", description: `at most this many (default ${EVENTS_PAGE})` },
        { flags: "--before <event-id>", description: "only events older than this one (the next page)" },
        { flags: "--csv", description: "print CSV instead of text" },
      ],
      needs: {},
      examples: [
        "ccc events --since 24h",
        "ccc events --user U012AB3CD --csv",
        "ccc events --machine ccc-7f3k2q --json",
      ],
      input: ({ options }) => ({
        user: options.user,
        machine: options.machine,
        since: options.since,
        limit: options.limit,
        before: options.before,
        csv: Boolean(options.csv),
      }),
    },
  },
});
