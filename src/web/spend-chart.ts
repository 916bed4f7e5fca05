import { type Amount, formatEuroAmount, formatEuros } from "../core/billing/money.ts";
import { asleepSnapshotCost } from "../core/hibernate/asleep-snapshot-cost.ts";
import { hoursSaved } from "../core/hibernate/hours-saved.ts";
import { keptAddressCost } from "../core/hibernate/kept-address-cost.ts";
import type { Store } from "../core/store/store.ts";
import { type Month, monthName, monthOf } from "../core/usage/month.ts";
import { type UsageCounts, usageReport } from "../core/usage/usage-report.ts";
import { countsPhrase } from "../render/usage-counts.ts";
import { type Html, html } from "./html.ts";

/** One person's spend this month per day, from the same report as `usage --by day`, and the team's total for admins. */
export interface SpendData {
  month: Month;
  monthLabel: string;
  /** Day of the month (1-based) → cents; days without spend are absent. */
  days: Map<number, number>;
  daysInMonth: number;
  /** Today's day of the month: later days have not happened yet. */
  today: number;
  cents: number;
  hours: number;
  /** Machines, volumes and snapshots that cost something, each counted apart. */
  counts: UsageCounts;
  /** Everyone's spend this month; null unless the reader is an admin. */
  teamCents: number | null;
  /** Machine-hours hibernation kept from running this month and their price (gross €): the person's. */
  saved: { hours: number; euros: number };
  /** The same for the whole team; null unless the reader is an admin. */
  teamSaved: { hours: number; euros: number } | null;
  /** What the person's hibernation snapshots cost while asleep this month (part of the spend above). */
  asleep: { hours: number; amount: Amount };
  /** What the addresses kept for the person's sleeping machines cost this month (on top of the spend above). */
  addresses: { hours: number; amount: Amount };
}

export function spendData(store: Store, user: string, isAdmin: boolean, now: Date): SpendData {
  const month = monthOf(now);
  const report = usageReport(store, { month, by: "day", user, now });
  const days = new Map<number, number>();
  for (const row of report.rows) days.set(Number(row.key.slice(8, 10)), row.cents);
  return {
    month,
    monthLabel: monthName(month, now),
    days,
    daysInMonth: Math.round((month.end.getTime() - month.start.getTime()) / 86_400_000),
    today: now.getUTCDate(),
    cents: report.total.cents,
    hours: report.total.hours,
    counts: {
      machines: report.total.machines,
      volumes: report.total.volumes,
      snapshots: report.total.snapshots,
    },
    teamCents: isAdmin ? usageReport(store, { month, by: "user", now }).total.cents : null,
    saved: hoursSaved(store, month, now, user),
    teamSaved: isAdmin ? hoursSaved(store, month, now) : null,
    asleep: asleepSnapshotCost(store, month, now, user),
    addresses: keptAddressCost(store, month, now, user),
  };
}

const WIDTH = 620;
const HEIGHT = 170;
const LEFT = 8;
const TOP = 12;
const BOTTOM = 30;

/**
 * A bar per day as inline SVG, drawn on the server: the CSP allows no script or inline style, and a
 * picture needs neither. Colours come from the stylesheet through classes.
 */
export function spendChart(d: SpendData): Html {
  const plotWidth = WIDTH - LEFT - 8;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = plotWidth / d.daysInMonth;
  const most = Math.max(0, ...d.days.values());
  const scale = most > 0 ? plotHeight / most : 0;
  const baseline = TOP + plotHeight;
  const spentDays = [...d.days.values()].filter((c) => c > 0).length;
  const summary = `Your spend per day in ${d.monthLabel}: ${formatEuros(d.cents)} in total${
    spentDays > 0
      ? ` over ${spentDays} day${spentDays === 1 ? "" : "s"}, at most ${formatEuros(most)} a day`
      : ""
  }.`;
  const bars: Html[] = [];
  for (let day = 1; day <= d.daysInMonth; day++) {
    const cents = d.days.get(day) ?? 0;
    const x = LEFT + (day - 1) * slot + slot * 0.15;
    // A day with spend too small to see still gets a sliver, so it is not mistaken for none.
    const h = cents > 0 ? Math.max(2, cents * scale) : 0;
    const label = `${day} ${d.monthLabel}: ${formatEuros(cents)}`;
    const kind = day > d.today ? "bar future" : day === d.today ? "bar today" : "bar";
    const width = fixed(slot * 0.7);
    bars.push(
      html`<g class="${kind}" data-day="${day}" data-cents="${cents}"><title>${label}</title><rect class="slot" x="${fixed(x)}" y="${TOP}" width="${width}" height="${plotHeight}"></rect>${
        h > 0
          ? html`<rect class="fill" x="${fixed(x)}" y="${fixed(baseline - h)}" width="${width}" height="${fixed(h)}"></rect>`
          : ""
      }</g>`,
    );
  }
  const ticks = [1, 5, 10, 15, 20, 25, d.daysInMonth].map(
    (day) =>
      html`<text class="tick" x="${fixed(LEFT + (day - 0.5) * slot)}" y="${HEIGHT - 4}" text-anchor="middle">${day}</text>`,
  );
  return html`<svg class="spend-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="spend-title" preserveAspectRatio="xMidYMid meet">
<title id="spend-title">${summary}</title>
<line class="axis" x1="${LEFT}" y1="${baseline}" x2="${WIDTH - 8}" y2="${baseline}"></line>
<g>${bars}</g>
${ticks}
</svg>`;
}

/** The section that replaces the old placeholder: the total in words, then the picture. */
export function spendSection(d: SpendData): Html {
  const { machines, volumes, snapshots } = d.counts;
  const what =
    machines + volumes + snapshots > 0 ? html` for ${d.hours} h on ${countsPhrase(d.counts)}` : html``;
  const top = [...d.days].reduce<[number, number] | null>(
    (best, day) => (best && best[1] >= day[1] ? best : day),
    null,
  );
  const highest =
    top && top[1] > 0
      ? html` The most in a day: ${formatEuros(top[1])} on ${top[0]} ${d.monthLabel}.`
      : html``;
  return html`<section class="card" aria-labelledby="spend-h" data-hook="spend-chart">
<h2 id="spend-h">Your spend this month</h2>
<p class="spend-total"><strong data-total-cents="${d.cents}">${formatEuros(d.cents)}</strong> so far in ${d.monthLabel}${what} (incl. VAT).${highest}</p>
${spendChart(d)}
${
  d.teamCents === null
    ? ""
    : html`<p class="spend-team">The whole team: <strong data-team-cents="${d.teamCents}">${formatEuros(d.teamCents)}</strong> in ${d.monthLabel}.</p>`
}
${savedLine("You", d.saved, d.monthLabel, "saved-hours")}
${
  d.asleep.hours > 0
    ? html`<p class="spend-asleep" data-asleep-snapshot-hours="${d.asleep.hours}">Snapshots of your sleeping machines: ${formatEuroAmount(d.asleep.amount)} for ${d.asleep.hours} snapshot-hours (part of the spend above).</p>`
    : ""
}
${
  d.addresses.hours > 0
    ? html`<p class="spend-addresses" data-kept-address-hours="${d.addresses.hours}">Addresses kept for your sleeping machines (so they wake on the same ssh line): ${formatEuroAmount(d.addresses.amount)} for ${d.addresses.hours} hours (on top of the spend above).</p>`
    : ""
}
${d.teamSaved ? savedLine("The whole team", d.teamSaved, d.monthLabel, "team-saved-hours") : ""}
</section>`;
}

/** "Hibernation saved": machine-hours not run while asleep, × each machine's price; shown once any slept. */
function savedLine(
  who: string,
  saved: { hours: number; euros: number },
  month: string,
  hook: string,
): Html | string {
  if (saved.hours <= 0) return "";
  const hours = Math.round(saved.hours * 10) / 10;
  return html`<p class="spend-saved" data-${hook}="${hours}">${who}: hibernation saved <strong>≈ ${hours} machine-hours</strong>, ≈ €${saved.euros.toFixed(2)} in ${month} (hours not run while asleep).</p>`;
}

function fixed(n: number): string {
  return n.toFixed(1);
}
