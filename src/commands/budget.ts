import * as z from "zod";
import { moneyJson } from "../core/billing/money.ts";
import { parseBudgetEuros } from "../core/budget/budget-settings.ts";
import { euros, type Limit, teamLimit, userLimit } from "../core/budget/check-budget.ts";
import { projected, type Standing, standing } from "../core/budget/standing.ts";
import { onlyAdminsMay } from "../core/instances/actor.ts";
import { parseGuest } from "../core/instances/owner.ts";
import { monthName } from "../core/usage/month.ts";
import { type SlackMessage, section } from "../render/block-kit/mrkdwn.ts";
import { BUDGET_EXAMPLE, eur } from "../render/schemas/examples.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { checked, parseInput } from "./input.ts";

export const budgetInput = z
  .object({
    action: z.enum(["show", "set"], { error: "the only action is `set`" }).default("show"),
    user: checked(z.string(), parseGuest).optional(),
    /** Euros as text or a number (`25`, `"12.40"`); null (or the word `none`) clears a person's own limit. */
    eur: checked(z.union([z.string(), z.number()]), parseBudgetValue)
      .nullable()
      .optional(),
  })
  .superRefine((input, ctx) => {
    if (input.action === "set" && (input.user === undefined || input.eur === undefined)) {
      ctx.addIssue({
        code: "custom",
        message:
          "budget set needs a person and an amount in euros, like: budget set bob 25 (or `none` to clear it)",
        path: ["eur"],
      });
    }
  });

/** A number as JSON sends it, or text as typed; `none` is null (no own limit). */
function parseBudgetValue(value: string | number): string | null {
  if (typeof value === "string" && value.trim().toLowerCase() === "none") return null;
  // 25 → "25", 12.4 → "12.4"; 1e21 or -5 read as text are refused like any other bad amount.
  return parseBudgetEuros(String(value));
}

export interface BudgetView {
  user: string;
  limit: Limit | null;
  mine: Standing;
  team: { limit: Limit; standing: Standing } | null;
}

export type BudgetResult =
  | { kind: "view"; view: BudgetView }
  /** `eur` null: the person's own limit was cleared (the default applies). */
  | { kind: "set"; user: string; eur: string | null; view: BudgetView };

function view(ctx: CommandContext, user: string): BudgetView {
  const now = ctx.deps.clock.now();
  const team = teamLimit(ctx.deps);
  return {
    user,
    limit: userLimit(ctx.deps, user),
    mine: standing(ctx.deps.store, now, user),
    team: team ? { limit: team, standing: standing(ctx.deps.store, now) } : null,
  };
}

function run(ctx: CommandContext, input: z.output<typeof budgetInput>): BudgetResult {
  const user = input.user ?? ctx.actor.id;
  if (input.action === "set") {
    onlyAdminsMay(ctx.actor, "set a budget");
    const eur = input.eur ?? null;
    if (eur === null) ctx.deps.store.budgets.remove(user);
    else ctx.deps.store.budgets.put({ user, eur, setBy: ctx.actor.id, setAt: ctx.deps.clock.now() });
    ctx.deps.store.recordEvent(null, {
      actor: ctx.actor.id,
      kind: "budget_set",
      detail: eur === null ? `${user}: own limit cleared` : `${user}: €${eur} a month`,
    });
    return { kind: "set", user, eur, view: view(ctx, user) };
  }
  onlyAdminsMay(ctx.actor, "see other people's budgets", user);
  return { kind: "view", view: view(ctx, user) };
}

/** Shows where a person stands against their budget, or (admins) sets their own limit. */
export function budget(ctx: CommandContext, input: z.input<typeof budgetInput>): BudgetResult {
  return run(ctx, parseInput(budgetInput, input));
}

function lines(v: BudgetView, now: Date): string[] {
  const month = monthName(v.mine.month, now);
  const total = projected(v.mine);
  const limit = v.limit
    ? `${euros(v.limit.amount)} for ${month}${v.limit.personal ? " (own limit)" : ""}`
    : `no limit for ${month}`;
  const out = [
    `Budget of ${v.user}: ${limit}`,
    `  spent      ${euros(v.mine.spent)}`,
    `  committed  ${euros(v.mine.committed)} (running machines until they expire)`,
  ];
  if (v.limit) out.push(`  left       ${euros(v.limit.amount > total ? v.limit.amount - total : 0n)}`);
  if (v.team) {
    const t = projected(v.team.standing);
    out.push(`Team: ${euros(t)} of ${euros(v.team.limit.amount)} spent or committed for ${month}`);
  }
  return out;
}

export function budgetText(result: BudgetResult, now: Date): string {
  const body = lines(result.view, now).join("\n");
  if (result.kind !== "set") return body;
  const head =
    result.eur === null
      ? `${result.user}'s own budget is cleared; the default applies.`
      : `${result.user}'s budget is now €${result.eur} a month.`;
  return `${head}\n${body}`;
}

function budgetJson(result: BudgetResult): unknown {
  const v = result.view;
  const money = (s: Standing) => ({ spent: moneyJson(s.spent), committed: moneyJson(s.committed) });
  return {
    user: v.user,
    month: v.mine.month.key,
    limit: v.limit ? moneyJson(v.limit.amount) : null,
    personal: v.limit?.personal ?? false,
    ...money(v.mine),
    left: v.limit
      ? moneyJson(v.limit.amount > projected(v.mine) ? v.limit.amount - projected(v.mine) : 0n)
      : null,
    team: v.team ? { limit: moneyJson(v.team.limit.amount), ...money(v.team.standing) } : null,
  };
}

function budgetBlocks(result: BudgetResult, now: Date): SlackMessage {
  const text = budgetText(result, now);
  return { text, blocks: [section(`\`\`\`${text}\`\`\``)] };
}

export const budgetCommand = defineCommand({
  name: "budget",
  summary: "show spent, committed and left of a monthly budget; admins set a person's own",
  input: budgetInput,
  audience: "self",
  run,
  text: (result, { now }) => budgetText(result, now),
  json: budgetJson,
  blocks: (result, { now }) => budgetBlocks(result, now),
  doors: {
    http: [
      {
        method: "GET",
        path: "/budget",
        operation: "showBudget",
        from: "query",
        query: (q) => ({ user: q.user }),
        fixed: () => ({ action: "show" }),
        status: 200,
        response: "budget",
        example: { query: {}, response: BUDGET_EXAMPLE },
      },
      {
        method: "PUT",
        path: "/budgets/:user",
        param: { pattern: "^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$", example: "U012AB3CD" },
        operation: "setBudget",
        from: "body",
        fixed: () => ({ action: "set" }),
        status: 200,
        response: "budget",
        example: {
          body: { eur: "25" },
          response: { ...BUDGET_EXAMPLE, limit: eur("25.00"), personal: true },
        },
      },
    ],
    cli: {
      args: ["[action]", "[person]", "[eur]"],
      options: [{ flags: "--user <user>", description: "whose budget to show (default: the operator)" }],
      needs: {},
      examples: ["ccc budget --user U012AB3CD", "ccc budget set U012AB3CD 25"],
      input: ({ args, options }) => ({
        action: args.action,
        user: args.person ?? options.user,
        eur: args.eur,
      }),
    },
    slack: {
      usage: "budget [set @person <eur>]",
      help: "your budget this month: spent, committed and left (admins: `/ccc budget set @person 25`)",
      example: "budget set @bob 25",
      inAck: true,
      input: (words) =>
        words[0]?.toLowerCase() === "set"
          ? { action: "set", user: words[1], eur: words[2] }
          : { user: words[0] },
    },
  },
});
