import * as z from "zod";
import { EVENTS_PAGE, eventsCommand } from "../commands/events.ts";
import type { Endpoint } from "./endpoint.ts";

// The audit trail, for admins (the verb's audience refuses anyone else with 403).

export const eventsSchema = z.strictObject({
  events: z.array(
    z.strictObject({
      id: z.number().int(),
      at: z.iso.datetime(),
      actor: z.string().meta({ description: "who did it: a Slack user id, the operator's name, or ccc" }),
      kind: z.string().meta({
        description: "what happened: requested, ready, failed, token_created, signed_in, budget_set, …",
      }),
      machine: z.string().nullable().meta({ description: "the machine it concerns, if any" }),
      detail: z.string().nullable(),
    }),
  ),
  next: z
    .number()
    .int()
    .nullable()
    .meta({ description: "pass as `before` for the next (older) page; null on the last page" }),
});

export const EVENT_ENDPOINTS: readonly Endpoint[] = [
  {
    method: "GET",
    path: "/events",
    verb: eventsCommand,
    from: "query",
    query: (q) => ({ user: q.user, machine: q.machine, since: q.since, limit: q.limit, before: q.before }),
    status: 200,
    response: eventsSchema,
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
];
