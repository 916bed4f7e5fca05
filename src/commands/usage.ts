import * as z from "zod";
import {
  centsJson,
  csvEuros,
  eurosJson,
  formatEuroAmount,
  formatEuros,
  moneyJson,
} from "../core/billing/money.ts";
import { type AsleepSnapshotCost, asleepSnapshotCost } from "../core/hibernate/asleep-snapshot-cost.ts";
import { type HoursSaved, hoursSaved } from "../core/hibernate/hours-saved.ts";
import { type KeptAddressCost, keptAddressCost } from "../core/hibernate/kept-address-cost.ts";
import { isSlackUserId } from "../core/identity/identity.ts";
import { onlyAdminsMay } from "../core/instances/actor.ts";
import { parseGuest } from "../core/instances/owner.ts";
import { monthName, monthOf, parseMonth } from "../core/usage/month.ts";
import { USAGE_GROUPS, type UsageCounts, type UsageReport, usageReport } from "../core/usage/usage-report.ts";
import { escapeText, type SlackMessage, section } from "../render/block-kit/mrkdwn.ts";
import { euroEstimate } from "../render/cost.ts";
import { type PeopleNames, personText } from "../render/people.ts";
import { eur } from "../render/schemas/examples.ts";
import { countsPhrase } from "../render/usage-counts.ts";
import { defineCommand, type Viewer } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { queryFlag } from "./http-route.ts";
import { checked, parseInput } from "./input.ts";

export const usageInput = z.object({
  month: checked(z.string(), parseMonth).optional(),
  by: z.enum(USAGE_GROUPS, { error: `group by one of: ${USAGE_GROUPS.join(", ")}` }).default("user"),
  user: checked(z.string(), parseGuest).optional(),
  /** Everyone's machines (admins); without it and without `user`, the asker's own. */
  all: z.boolean().default(false),
  csv: z.boolean().default(false),
});

export interface UsageResult {
  report: UsageReport;
  csv: boolean;
  /** When the figures were taken: a month not over yet is counted up to here. */
  asOf: Date;
  /** Machine-hours hibernation kept from running in the month (the snapshots asleep are in the rows). */
  saved?: HoursSaved;
  /** What the hibernation snapshots cost while their machines slept (already inside the snapshot spend). */
  asleep?: AsleepSnapshotCost;
  /** What the addresses kept for sleeping machines cost (not inside the rows: Hetzner bills them apart). */
  addresses?: KeptAddressCost;
}

function run(ctx: CommandContext, input: z.output<typeof usageInput>): UsageResult {
  const user = input.user ?? (input.all ? undefined : ctx.actor.id);
  onlyAdminsMay(ctx.actor, "see other people's usage; `/ccc usage` shows your own", user);
  const now = ctx.deps.clock.now();
  const month = input.month ?? monthOf(now);
  return {
    report: usageReport(ctx.deps.store, { month, by: input.by, user, now }),
    csv: input.csv,
    asOf: now,
    saved: hoursSaved(ctx.deps.store, month, now, user),
    asleep: asleepSnapshotCost(ctx.deps.store, month, now, user),
    addresses: keptAddressCost(ctx.deps.store, month, now, user),
  };
}

/** A month's spend, grouped; one person's unless an admin asks for everyone. */
export function usage(ctx: CommandContext, input: z.input<typeof usageInput>): UsageResult {
  return run(ctx, parseInput(usageInput, input));
}

export function usageJson({ report, saved, asleep, addresses }: UsageResult): unknown {
  return {
    ...(saved && saved.hours > 0
      ? { hibernationSaved: { hours: round1(saved.hours), cost: eurosJson(saved.euros) } }
      : {}),
    ...(asleep && asleep.hours > 0
      ? {
          hibernationSnapshots: {
            cost: moneyJson(asleep.amount),
            hours: asleep.hours,
            byOwner: Object.fromEntries(
              Object.entries(asleep.byOwner).map(([o, c]) => [
                o,
                { cost: moneyJson(c.amount), hours: c.hours },
              ]),
            ),
          },
        }
      : {}),
    ...(addresses && addresses.hours > 0
      ? {
          hibernationAddresses: {
            cost: moneyJson(addresses.amount),
            hours: addresses.hours,
            byOwner: Object.fromEntries(
              Object.entries(addresses.byOwner).map(([o, c]) => [
                o,
                { cost: moneyJson(c.amount), hours: c.hours },
              ]),
            ),
          },
        }
      : {}),
    month: report.month.key,
    total: centsJson(report.total.cents),
    rows: report.rows.map((r) => ({
      key: r.key,
      // By person: the key is whose row it is, so every door can name them (`ownerName` beside it).
      ...(report.by === "user" ? { owner: r.key } : {}),
      cost: centsJson(r.cents),
      hours: r.hours,
      machines: r.machines,
      volumes: r.volumes,
      snapshots: r.snapshots,
    })),
  };
}

/** One line per group and a total, for spreadsheets: plain numbers, keys quoted when they need it. */
export function usageCsv({ report }: UsageResult): string {
  const lines = [`${report.by},eur,hours,machines,volumes,snapshots`];
  const counts = (c: UsageCounts) => [c.machines, c.volumes, c.snapshots];
  for (const r of report.rows)
    lines.push([csvCell(r.key), csvEuros(r.cents), r.hours, ...counts(r)].join(","));
  lines.push(["total", csvEuros(report.total.cents), report.total.hours, ...counts(report.total)].join(","));
  return lines.join("\n");
}

export function usageText(result: UsageResult, viewer?: Pick<Viewer, "names">): string {
  if (result.csv) return usageCsv(result);
  const { report } = result;
  const names = viewer?.names;
  const whose = report.user === null ? "everyone" : personText(report.user, names);
  const head = `Usage of ${whose} in ${report.month.key}, by ${report.by} (EUR, gross):`;
  if (report.rows.length === 0)
    return [
      head,
      "  nothing yet",
      ...savedLines(result.saved, names),
      ...asleepLines(result.asleep, names),
      ...addressLines(result.addresses, names),
    ].join("\n");
  const rows: string[][] = report.rows.map((r) => [
    report.by === "user" ? personText(r.key, names) : r.key,
    formatEuros(r.cents),
    `${r.hours} h`,
    countsPhrase(r),
  ]);
  rows.push([
    "total",
    formatEuros(report.total.cents),
    `${report.total.hours} h`,
    countsPhrase(report.total),
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]) =>
    `  ${r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ")}`;
  return [
    head,
    ...rows.map(line),
    ...savedLines(result.saved, names),
    ...asleepLines(result.asleep, names),
    ...addressLines(result.addresses, names),
  ].join("\n");
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** "hibernation saved": shown once anything slept in the month. */
function savedLines(saved: HoursSaved | undefined, names?: PeopleNames): string[] {
  if (!saved || saved.hours === 0) return [];
  const owners = Object.entries(saved.byOwner);
  return [
    `  hibernation saved ≈ ${round1(saved.hours)} machine-hours, ≈ ${euroEstimate(saved.euros)} (not run while asleep)`,
    ...(owners.length > 1
      ? owners.map(
          ([o, s]) => `    ${personText(o, names)}: ≈ ${round1(s.hours)} h, ≈ ${euroEstimate(s.euros)}`,
        )
      : []),
  ];
}

/** The snapshots' cost while asleep: part of the snapshot spend above, said apart. */
function asleepLines(asleep: AsleepSnapshotCost | undefined, names?: PeopleNames): string[] {
  if (!asleep || asleep.hours === 0) return [];
  const owners = Object.entries(asleep.byOwner);
  return [
    `  hibernation snapshots while asleep: ${formatEuroAmount(asleep.amount)} for ${asleep.hours} snapshot-hours (part of the snapshot spend above)`,
    ...(owners.length > 1
      ? owners.map(([o, c]) => `    ${personText(o, names)}: ${formatEuroAmount(c.amount)}, ${c.hours} h`)
      : []),
  ];
}

/** The addresses kept while asleep: Hetzner bills them apart from the rows above. */
function addressLines(addresses: KeptAddressCost | undefined, names?: PeopleNames): string[] {
  if (!addresses || addresses.hours === 0) return [];
  const owners = Object.entries(addresses.byOwner);
  return [
    `  addresses kept while asleep: ${formatEuroAmount(addresses.amount)} for ${addresses.hours} hours (Primary IPs, on top of the spend above)`,
    ...(owners.length > 1
      ? owners.map(([o, c]) => `    ${personText(o, names)}: ${formatEuroAmount(c.amount)}, ${c.hours} h`)
      : []),
  ];
}

export function usageBlocks({ report, asOf, saved, asleep, addresses }: UsageResult): SlackMessage {
  const whose = report.user === null ? "Everyone's" : `<@${report.user}>'s`;
  const title = `${whose} spend in ${monthName(report.month, asOf)}: *${formatEuros(report.total.cents)}*`;
  const lines = report.rows
    .slice(0, 40)
    .map(
      (r) => `• ${keyMrkdwn(report.by, r.key)}: ${formatEuros(r.cents)} · ${r.hours} h · ${countsPhrase(r)}`,
    );
  const more = report.rows.length > 40 ? [`…and ${report.rows.length - 40} more: \`ccc usage --csv\``] : [];
  const sleep = hibernationMrkdwn(saved, asleep, addresses);
  return {
    text: `Spend in ${report.month.key}: ${formatEuros(report.total.cents)}`,
    blocks: [section([title, ...lines, ...more].join("\n")), ...(sleep ? [section(sleep)] : [])],
  };
}

/** What hibernation saved and what the sleeping machines' snapshots cost, per person when several. */
function hibernationMrkdwn(
  saved: HoursSaved | undefined,
  asleep: AsleepSnapshotCost | undefined,
  addresses: KeptAddressCost | undefined,
): string {
  const lines: string[] = [];
  if (saved && saved.hours > 0) {
    lines.push(
      `:zzz: Hibernation saved *≈ ${round1(saved.hours)} machine-hours*, ≈ ${euroEstimate(saved.euros)} (not run while asleep)`,
    );
    const owners = Object.entries(saved.byOwner);
    if (owners.length > 1)
      for (const [o, s] of owners.slice(0, 20))
        lines.push(`    ${keyMrkdwn("user", o)}: ≈ ${round1(s.hours)} h, ≈ ${euroEstimate(s.euros)}`);
  }
  if (asleep && asleep.hours > 0) {
    lines.push(
      `:floppy_disk: Snapshots while asleep: ${formatEuroAmount(asleep.amount)} for ${asleep.hours} snapshot-hours (part of the spend above)`,
    );
    const owners = Object.entries(asleep.byOwner);
    if (owners.length > 1)
      for (const [o, c] of owners.slice(0, 20))
        lines.push(`    ${keyMrkdwn("user", o)}: ${formatEuroAmount(c.amount)}, ${c.hours} h`);
  }
  if (addresses && addresses.hours > 0) {
    lines.push(
      `:round_pushpin: Addresses kept while asleep: ${formatEuroAmount(addresses.amount)} for ${addresses.hours} hours (on top of the spend above)`,
    );
    const owners = Object.entries(addresses.byOwner);
    if (owners.length > 1)
      for (const [o, c] of owners.slice(0, 20))
        lines.push(`    ${keyMrkdwn("user", o)}: ${formatEuroAmount(c.amount)}, ${c.hours} h`);
  }
  return lines.join("\n");
}

function keyMrkdwn(by: UsageReport["by"], key: string): string {
  return by === "user" && isSlackUserId(key) ? `<@${key}>` : escapeText(key);
}

/** Quoted when it holds a comma, quote or line break; a leading formula sign is defused. */
function csvCell(text: string): string {
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Slash words in any order: `all`, a month `2026-11`, a grouping, `by`, a person. */
function slackInput(words: readonly string[]): unknown {
  const raw: Record<string, unknown> = {};
  for (const word of words) {
    const lower = word.toLowerCase();
    if (lower === "all") raw.all = true;
    else if (lower === "by") continue;
    else if (/^\d{4}-\d{2}$/.test(word)) raw.month = word;
    else if ((USAGE_GROUPS as readonly string[]).includes(lower)) raw.by = lower;
    else raw.user = word;
  }
  return raw;
}

export const usageCommand = defineCommand({
  name: "usage",
  summary: "what machines, volumes and snapshots cost in a month, by person, type, location or day",
  input: usageInput,
  audience: "self",
  run,
  text: (result, viewer) => usageText(result, viewer),
  json: usageJson,
  blocks: (result) => usageBlocks(result),
  doors: {
    http: [
      {
        method: "GET",
        path: "/usage",
        from: "query",
        // Yours by default; `all=true` or another `user` are for admins, as in every door.
        query: (q) => ({ month: q.month, by: q.by, user: q.user, all: queryFlag(q.all) }),
        status: 200,
        response: "usage",
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
    ],
    cli: {
      options: [
        { flags: "--month <YYYY-MM>", description: "the month (default: this one)" },
        { flags: "--by <group>", description: `group by ${USAGE_GROUPS.join(", ")} (default: user)` },
        { flags: "--user <user>", description: "only this person's machines" },
        { flags: "--csv", description: "print CSV instead of text" },
      ],
      needs: {},
      examples: ["ccc usage", "ccc usage --month 2026-10 --by type", "ccc usage --user U012AB3CD --csv"],
      input: ({ options }) => ({
        month: options.month,
        by: options.by,
        user: options.user,
        all: options.user === undefined,
        csv: Boolean(options.csv),
      }),
    },
    slack: {
      usage: "usage [all] [YYYY-MM] [by user|type|location|day]",
      help: "what your machines, volumes and snapshots cost this month (admins: `/ccc usage all`)",
      example: "usage all 2026-11 by type",
      inAck: true,
      input: slackInput,
    },
  },
});
