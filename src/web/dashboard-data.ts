import type { Instance } from "../core/instances/instance.ts";
import { machinesLeft, overQuota } from "../core/instances/quota.ts";
import { softwarePolicyOf } from "../core/software/software-policy.ts";
import type { MachineActivityRecord } from "../core/store/store.ts";
import { within } from "../core/within.ts";
import { provisionChoices } from "../doors/provision-choices.ts";
import type { DashboardData, ProvisionForm } from "./dashboard-page.ts";
import type { SignedIn } from "./session.ts";
import { spendData } from "./spend-chart.ts";
import type { WebContext } from "./web-context.ts";
import { keepWorkOffers } from "./web-volume-offers.ts";

/** What the form showed when a provision was refused, so the person need not type it again. */
export interface FormValues {
  sshKey?: string | undefined;
  location?: string | undefined;
  serverType?: string | undefined;
  hours?: string | undefined;
  /** Every package name asked for, ticked or typed. */
  packages?: string[] | undefined;
  keepWork?: boolean | undefined;
  repo?: string | undefined;
}

/** Everything the dashboard shows one person, from the store and the cached catalog. */
export async function dashboardData(
  ctx: WebContext,
  who: SignedIn,
  notice: DashboardData["notice"],
  typed: FormValues = {},
): Promise<DashboardData> {
  const { deps } = ctx.bot;
  const user = who.session.user;
  // A cold catalog must not hold up the page for long: it says to reload instead.
  const catalog = await within(deps.catalog.load(), ctx.bot.catalogWaitMs).catch(() => null);
  const everyone = who.isAdmin ? deps.store.list() : null;
  const mine = deps.store.list({ owner: user });
  const max = deps.policy.maxInstancesPerUser;
  return {
    user,
    isAdmin: who.isAdmin,
    csrf: who.session.csrf,
    now: deps.clock.now(),
    sshPort: deps.timing.sshPort,
    mine,
    atLimit:
      machinesLeft(mine.length, max) === 0
        ? overQuota(mine.length, max, { ids: mine.map((i) => i.id), deleteWith: "Delete now" }).message
        : null,
    everyone: everyone ? costs(everyone, catalog?.types ?? null) : null,
    names: await namesOf(ctx, [user, ...(everyone ?? []).map((i) => i.owner)]),
    form: catalog ? await provisionForm(ctx, user, typed) : null,
    activity: activityOf(ctx, mine),
    asleep: asleepOf(ctx, user),
    saving: new Set(mine.filter((i) => deps.store.snapshots.get(i.id)?.status === "saving").map((i) => i.id)),
    spend: spendData(deps.store, user, who.isAdmin, deps.clock.now()),
    notice,
  };
}

async function provisionForm(ctx: WebContext, user: string, typed: FormValues): Promise<ProvisionForm> {
  const { deps } = ctx.bot;
  // The same contents as Slack's form: the guardrails' offers, the person's defaults before the operator's.
  const choices = await provisionChoices(deps, user, {
    location: typed.location,
    serverType: typed.serverType,
    packages: typed.packages,
    repo: typed.repo,
    keepWork: typed.keepWork,
  });
  const { offers, location } = choices;
  return {
    offers,
    locations: choices.locations.map((l) => ({ name: l.name, label: `${l.name} · ${l.city}, ${l.country}` })),
    choice: {
      location,
      serverType: choices.serverType,
      hours: typed.hours ?? String(choices.hours),
    },
    sshKey: typed.sshKey ?? choices.lastKey ?? "",
    repo: choices.repo,
    maxHours: deps.policy.maxHours,
    software: softwareChoice(softwarePolicyOf(deps), choices.packages),
    keepWork: {
      ticked: choices.keepWork,
      offers: await keepWorkOffers(
        ctx,
        user,
        choices.locations.map((l) => l.name),
      ),
    },
  };
}

/** The curated boxes, ticked where chosen; anything else chosen goes in the free-text field. */
function softwareChoice(
  policy: ReturnType<typeof softwarePolicyOf>,
  chosen: readonly string[],
): ProvisionForm["software"] {
  const curated = policy.curated.map((p) => ({ ...p, ticked: chosen.includes(p.name) }));
  const other = chosen.filter((name) => !policy.curated.some((p) => p.name === name));
  return { curated, freeText: policy.freeText, other: other.join(" ") };
}

/** Each machine's price per hour and their sum; null where prices are not at hand. */
function costs(
  instances: Instance[],
  types: { name: string; prices: { location: string; hourly: string }[] }[] | null,
): NonNullable<DashboardData["everyone"]> {
  const hourly = new Map<string, string | null>();
  let total = 0;
  for (const i of instances) {
    const price = types?.find((t) => t.name === i.serverType)?.prices.find((p) => p.location === i.location);
    hourly.set(i.id, price?.hourly ?? null);
    total += Number(price?.hourly ?? 0);
  }
  return { instances, hourly, hourlyTotal: types ? total.toFixed(4) : null };
}

/** Slack's display name of each person the page shows, by id (the id itself when Slack gives none). */
async function namesOf(ctx: WebContext, ids: string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  const names = await Promise.all(unique.map((id) => ctx.bot.identity.nameOf(id)));
  return new Map(unique.map((id, i) => [id, names[i] ?? id]));
}

/** What the idle check last learned about each of the person's running machines. */
function activityOf(ctx: WebContext, mine: Instance[]): Map<string, MachineActivityRecord> {
  const found = new Map<string, MachineActivityRecord>();
  for (const i of mine) {
    const record = ctx.bot.deps.store.hibernation.activity(i.id);
    if (record) found.set(i.id, record);
  }
  return found;
}

/** The person's hibernated machines (asleep or waking), with what they kept. */
function asleepOf(ctx: WebContext, user: string): DashboardData["asleep"] {
  const { store } = ctx.bot.deps;
  return store.hibernation.asleep(user).flatMap((sleep) => {
    const instance = store.get(sleep.instanceId);
    return instance ? [{ instance, sleep }] : [];
  });
}
