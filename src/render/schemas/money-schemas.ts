import * as z from "zod";

export { BUDGET_EXAMPLE } from "./examples.ts";

import { moneySchema } from "./response-schemas.ts";

// What machines cost: a month's usage, and where a person stands against their budget.

/** Money in the one shape every answer uses ({ amount: "12.40", currency: "EUR" }). */
export const euros = moneySchema;

export const usageSchema = z.strictObject({
  month: z.string().regex(/^\d{4}-\d{2}$/),
  total: euros,
  hibernationSaved: z.strictObject({ hours: z.number(), cost: euros }).optional().meta({
    description: "machine-hours hibernation kept from running, and about what they would have cost",
  }),
  rows: z.array(
    z.strictObject({
      key: z.string(),
      /** By person only: whose row it is, with the Slack display name beside it. */
      owner: z.string().optional(),
      ownerName: z.string().nullable().optional(),
      cost: euros,
      hours: z.number(),
      machines: z.number(),
      volumes: z.number(),
      snapshots: z.number(),
    }),
  ),
  /** What hibernation snapshots cost while asleep (part of the rows' snapshot spend); present once any. */
  hibernationSnapshots: z
    .strictObject({
      cost: euros,
      hours: z.number(),
      byOwner: z.record(z.string(), z.strictObject({ cost: euros, hours: z.number() })),
    })
    .optional()
    .meta({
      description: "what hibernation snapshots cost while their machines slept; part of the rows' spend",
    }),
  /** What the addresses (Primary IPs) kept for sleeping machines cost; not in the rows; present once any. */
  hibernationAddresses: z
    .strictObject({
      cost: euros,
      hours: z.number(),
      byOwner: z.record(z.string(), z.strictObject({ cost: euros, hours: z.number() })),
    })
    .optional()
    .meta({
      description:
        "what the addresses kept for sleeping machines cost (Hetzner Primary IPs); on top of the rows' spend",
    }),
});

export const standing = { spent: euros, committed: euros };
export const budgetSchema = z.strictObject({
  user: z.string(),
  month: z.string().regex(/^\d{4}-\d{2}$/),
  limit: euros.nullable(),
  personal: z.boolean(),
  ...standing,
  left: euros.nullable(),
  team: z.strictObject({ limit: euros, ...standing }).nullable(),
});
