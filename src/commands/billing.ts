import * as z from "zod";
import { centsJson, formatEuros } from "../core/billing/money.ts";
import { recordBillingSuccess } from "../core/billing-sync/billing-job.ts";
import { pendingUsage, type Stuck } from "../core/billing-sync/pending-usage.ts";
import { type SyncReport, syncBilling } from "../core/billing-sync/sync-billing.ts";
import type { BillingSyncState } from "../core/store/store.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";

export const billingInput = z.object({
  action: z.enum(["sync", "status"], "billing wants sync or status"),
  dryRun: z.boolean().default(false),
});

export interface BillingStatus {
  enabled: boolean;
  state: BillingSyncState;
  lastSentAt: Date | null;
  eventsSent: number;
  centsSent: number;
  customers: number;
  pendingHours: number;
  pendingCents: number;
  stuck: Stuck[];
}

export type BillingResult = { kind: "sync"; report: SyncReport } | { kind: "status"; status: BillingStatus };

async function run(ctx: CommandContext, input: z.output<typeof billingInput>): Promise<BillingResult> {
  if (input.action === "sync") {
    const report = await syncBilling(ctx.deps, input);
    if (!input.dryRun) recordBillingSuccess(ctx.deps, ctx.deps.clock.now().getTime());
    return { kind: "sync", report };
  }
  return { kind: "status", status: await billingStatus(ctx) };
}

async function billingStatus(ctx: CommandContext): Promise<BillingStatus> {
  const { store } = ctx.deps;
  const summary = store.billing.sentSummary();
  const enabled = ctx.deps.billing !== undefined;
  const pending = enabled ? await pendingUsage(ctx.deps, ctx.deps.clock.now()) : { hours: [], stuck: [] };
  return {
    enabled,
    state: store.billing.syncState(),
    lastSentAt: summary.lastAt,
    eventsSent: summary.events,
    centsSent: summary.cents,
    customers: store.billing.customerCount(),
    pendingHours: pending.hours.length,
    pendingCents: pending.hours.reduce((sum, h) => sum + h.cents, 0),
    stuck: pending.stuck,
  };
}

const iso = (at: Date | number | null) => (at === null ? "never" : new Date(at).toISOString());

export function billingText(result: BillingResult): string {
  if (result.kind === "sync") {
    const r = result.report;
    const lines = r.people.map(
      (p) =>
        `${p.person}: ${p.hours} hour(s), ${formatEuros(p.cents)} → ${p.customerId ?? "customer to be found"}`,
    );
    const head = r.dryRun
      ? r.people.length === 0
        ? "Nothing pending."
        : "Pending (dry run, nothing sent):"
      : `Sent ${r.sent} meter event(s)${r.alreadySent ? `, ${r.alreadySent} Stripe already had` : ""}; ${r.customersCreated} customer(s) created.`;
    return [head, ...lines, ...stuckLines(r.stuck)].join("\n");
  }
  const s = result.status;
  if (!s.enabled) return "Stripe billing is off (STRIPE_SECRET_KEY is not set).";
  return [
    `Last meter event sent: ${iso(s.lastSentAt)} (${s.eventsSent} in all, ${formatEuros(s.centsSent)}); ${s.customers} customer(s).`,
    `Pending: ${s.pendingHours} hour(s), ${formatEuros(s.pendingCents)}.`,
    s.state.failures > 0
      ? `Failing: ${s.state.failures} time(s) in a row, last: ${s.state.lastError ?? "?"}; next try ${iso(s.state.nextAt)}.`
      : `Last sync: ${iso(s.state.lastSuccessAt)}.`,
    ...stuckLines(s.stuck),
  ].join("\n");
}

function stuckLines(stuck: Stuck[]): string[] {
  return stuck.map((s) => `Stuck: ${s.subject}: ${s.reason}`);
}

export function billingJson(result: BillingResult): unknown {
  if (result.kind === "sync") {
    const { people, ...rest } = result.report;
    return { ...rest, people: people.map(({ cents, ...p }) => ({ ...p, cost: centsJson(cents) })) };
  }
  const { centsSent, pendingCents, ...rest } = result.status;
  return { ...rest, amountSent: centsJson(centsSent), pendingAmount: centsJson(pendingCents) };
}

export const billingCommand = defineCommand({
  name: "billing",
  summary:
    "Stripe usage billing: `sync` sends what is pending (`--dry-run` only shows it), `status` the last send and anything stuck",
  input: billingInput,
  audience: "admin",
  run,
  text: billingText,
  json: billingJson,
  failed: (result) => result.kind === "sync" && result.report.stuck.length > 0,
  doors: {
    cli: {
      args: ["<action>"],
      options: [{ flags: "--dry-run", description: "with sync: show what is pending, send nothing" }],
      needs: { hetzner: true, directory: true },
      examples: ["ccc billing status", "ccc billing sync --dry-run", "ccc billing sync"],
      input: ({ args, options }) => ({ action: args.action, dryRun: Boolean(options.dryRun) }),
    },
  },
});
