import * as z from "zod";

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
