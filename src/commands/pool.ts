import * as z from "zod";
import { decimalJson, type MoneyJson, moneyJson, parseEuros } from "../core/billing/money.ts";
import type { MemberProgress } from "../core/pool/install-member.ts";
import { type PoolView, poolView } from "../core/pool/pool-view.ts";
import { type RefillSummary, refillPool } from "../core/pool/refill.ts";
import { euro, STEP_TEXT, stepLine, textTable } from "../render/text.ts";
import { formatTimeLeft } from "../render/time.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";

export const poolInput = z.object({
  action: z
    .enum(["list", "fill"], { message: "use `ccc pool` to list or `ccc pool fill` to refill" })
    .default("list"),
});

export interface PoolResult {
  view: PoolView;
  /** What `fill` did; absent for a listing. */
  fill?: RefillSummary;
}

async function run(ctx: CommandContext, input: z.output<typeof poolInput>): Promise<PoolResult> {
  const report = ctx.report;
  const fill =
    input.action === "fill"
      ? await refillPool(ctx.deps, report ? (p) => report(memberProgressLine(p)) : undefined)
      : undefined;
  return { view: await poolView(ctx.deps), ...(fill ? { fill } : {}) };
}

const MEMBER_STEP: Record<MemberProgress["step"], string> = {
  creating_server: STEP_TEXT.creating_server,
  waiting_for_ssh: STEP_TEXT.waiting_for_ssh,
  installing: STEP_TEXT.installing,
  ready: "Ready in the pool",
  failed: "Failed",
};

/** `[  12.3s] ccc-7f3k2q (cx23@fsn1): Installing NixOS with Claude Code`: one pool machine's progress. */
export function memberProgressLine(p: MemberProgress): string {
  const what = `${MEMBER_STEP[p.step]}${p.reason ? `: ${p.reason}` : ""}`;
  return stepLine(`${p.id} (${p.serverType}@${p.location})`, p.elapsedMs, what);
}

function wantedText(view: PoolView): string {
  if (view.wanted.length === 0) return "No pool is configured (CCC_POOL is empty).";
  const wanted = view.wanted.map((t) => `${t.serverType}@${t.location}=${t.count}`).join(", ");
  const monthly =
    view.monthlyWhenFull === null ? "" : `, about ${euro(view.monthlyWhenFull, 2)} per month when full`;
  return `Pool wanted: ${wanted}${monthly}.`;
}

function fillText(fill: RefillSummary): string {
  if (fill.busy) return "Another ccc process is refilling the pool right now; nothing was started here.";
  return `Refill: ${fill.installed} installed, ${fill.failed} failed, ${fill.retired} replaced.`;
}

export function poolText(result: PoolResult, now: Date): string {
  const { view } = result;
  const lines = [wantedText(view)];
  if (result.fill) lines.push(fillText(result.fill));
  if (view.members.length === 0) {
    lines.push("The pool has no machines.");
  } else {
    lines.push(
      textTable(
        ["ID", "TYPE", "LOCATION", "STATE", "AGE", "€/H"],
        view.members.map((m) => [
          m.id,
          m.serverType,
          m.location,
          m.state,
          formatTimeLeft(new Date(now.getTime() + m.ageMs), now),
          m.hourly === null ? "?" : euro(m.hourly),
        ]),
      ),
    );
    const total = view.hourlyTotal === null ? "" : ` · ${euro(view.hourlyTotal)} per hour in all`;
    lines.push(`${view.members.length} machine${view.members.length === 1 ? "" : "s"}${total}`);
  }
  return lines.join("\n");
}

/** What the members cost together per hour, summed exactly (the view's own total is for people). */
function exactHourlyTotal(view: PoolView): MoneyJson | null {
  if (view.hourlyTotal === null || view.members.some((m) => m.hourly === null)) return null;
  return moneyJson(
    view.members.reduce((sum, m) => sum + parseEuros(m.hourly ?? "0"), 0n),
    "rate",
  );
}

const rateOrNull = (hourly: string | null): MoneyJson | null =>
  hourly === null ? null : decimalJson(hourly, "rate");

export const poolCommand = defineCommand({
  name: "pool",
  summary: "list the warm pool's machines (type, location, state, age, € per hour); `fill` refills it now",
  input: poolInput,
  audience: "admin",
  run,
  text: (result, { now }) => poolText(result, now),
  json: (result) => ({
    ...result.view,
    hourlyTotal: exactHourlyTotal(result.view),
    monthlyWhenFull:
      result.view.monthlyWhenFull === null ? null : decimalJson(result.view.monthlyWhenFull, "total"),
    members: result.view.members.map((m) => ({
      ...m,
      hourly: rateOrNull(m.hourly),
      ageSeconds: Math.floor(m.ageMs / 1000),
    })),
    ...(result.fill ? { fill: result.fill } : {}),
  }),
  doors: {
    cli: {
      args: ["[action]"],
      // The listing prices the pool from Hetzner's catalog; filling creates and installs machines.
      needs: ({ action }) => (action === "fill" ? { cloud: true, installer: true } : { hetzner: true }),
      examples: ["ccc pool --json", "ccc pool fill"],
      input: ({ args }) => ({ action: args.action }),
    },
  },
});
