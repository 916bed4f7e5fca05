import * as z from "zod";
import { budgetCommand } from "../commands/budget.ts";
import { usageCommand } from "../commands/usage.ts";
import { type Endpoint, queryFlag } from "./endpoint.ts";
import { eur } from "./examples.ts";
import { moneySchema } from "./response-schemas.ts";

// What machines cost: a month's usage, and where a person stands against their budget.

/** Money in the one shape every answer uses ({ amount: "12.40", currency: "EUR" }). */
const euros = moneySchema;

export const usageSchema = z.object({
  month: z.string().regex(/^\d{4}-\d{2}$/),
  total: euros,
  hibernationSaved: z.object({ hours: z.number(), cost: euros }).optional().meta({
    description: "machine-hours hibernation kept from running, and about what they would have cost",
  }),
  rows: z.array(
    z.object({
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
    .object({
      cost: euros,
      hours: z.number(),
      byOwner: z.record(z.string(), z.object({ cost: euros, hours: z.number() })),
    })
    .optional()
    .meta({
      description: "what hibernation snapshots cost while their machines slept; part of the rows' spend",
    }),
  /** What the addresses (Primary IPs) kept for sleeping machines cost; not in the rows; present once any. */
  hibernationAddresses: z
    .object({
      cost: euros,
      hours: z.number(),
      byOwner: z.record(z.string(), z.object({ cost: euros, hours: z.number() })),
    })
    .optional()
    .meta({
      description:
        "what the addresses kept for sleeping machines cost (Hetzner Primary IPs); on top of the rows' spend",
    }),
});

const standing = { spent: euros, committed: euros };
export const budgetSchema = z.object({
  user: z.string(),
  month: z.string().regex(/^\d{4}-\d{2}$/),
  limit: euros.nullable(),
  personal: z.boolean(),
  ...standing,
  left: euros.nullable(),
  team: z.object({ limit: euros, ...standing }).nullable(),
});

const BUDGET_EXAMPLE = {
  user: "U012AB3CD",
  month: "2026-11",
  limit: eur("25.00"),
  personal: false,
  spent: eur("3.20"),
  committed: eur("0.40"),
  left: eur("21.40"),
  team: null,
};

export const MONEY_ENDPOINTS: readonly Endpoint[] = [
  {
    method: "GET",
    path: "/usage",
    verb: usageCommand,
    from: "query",
    // Yours by default; `all=true` or another `user` are for admins, as in every door.
    query: (q) => ({ month: q.month, by: q.by, user: q.user, all: queryFlag(q.all) }),
    status: 200,
    response: usageSchema,
    example: {
      query: { month: "2026-11", by: "user" },
      response: {
        month: "2026-11",
        total: eur("3.20"),
        rows: [
          {
            key: "U012AB3CD",
            owner: "U012AB3CD",
            ownerName: "Alice",
            cost: eur("3.20"),
            hours: 40,
            machines: 6,
            volumes: 1,
            snapshots: 0,
          },
        ],
      },
    },
  },
  {
    method: "GET",
    path: "/budget",
    verb: budgetCommand,
    operation: "showBudget",
    from: "query",
    query: (q) => ({ user: q.user }),
    fixed: () => ({ action: "show" }),
    status: 200,
    response: budgetSchema,
    example: { query: {}, response: BUDGET_EXAMPLE },
  },
  {
    method: "PUT",
    path: "/budgets/:user",
    param: { pattern: "^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$", example: "U012AB3CD" },
    verb: budgetCommand,
    operation: "setBudget",
    from: "body",
    fixed: () => ({ action: "set" }),
    status: 200,
    response: budgetSchema,
    example: { body: { eur: "25" }, response: { ...BUDGET_EXAMPLE, limit: eur("25.00"), personal: true } },
  },
];
