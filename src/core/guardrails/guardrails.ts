import { parseEuros } from "../billing/money.ts";
import type { Offer } from "../cloud/catalog.ts";
import { QuotaError, UserError } from "../errors.ts";
import { formatHours } from "../instances/policy.ts";

/** The operator's spending limits, applied to every request whichever door it came through. */
export interface Guardrails {
  /** Server types anyone may pick; null means every shared-CPU type. */
  allowedTypes: readonly string[] | null;
  /** Most a machine may cost per hour, gross €, as a decimal string ("0.10"). */
  maxEurPerHour: string;
  /** Fewest hours a provision or an extend may ask for: Hetzner bills a started hour whole. */
  minHours: number;
  /** Machines one person may have created within an hour, deleted ones included. */
  maxProvisionsPerHour: number;
}

export const DEFAULT_GUARDRAILS: Guardrails = {
  allowedTypes: null,
  maxEurPerHour: "0.10",
  minHours: 0.5,
  maxProvisionsPerHour: 6,
};

export const HOUR_MS = 3_600_000;

/** An allowed type at or under the hourly ceiling. */
export function withinGuardrails(offer: Offer, guardrails: Guardrails): boolean {
  return typeAllowed(offer, guardrails) && parseEuros(offer.hourly) <= parseEuros(guardrails.maxEurPerHour);
}

/** The offers a person may pick: the modal and `types` show only these. */
export function allowedOffers(offers: readonly Offer[], guardrails: Guardrails): Offer[] {
  return offers.filter((offer) => withinGuardrails(offer, guardrails));
}

/**
 * Why the guardrails let none of `offers` through, naming the settings that filtered them (for a
 * `types` that would otherwise just say "none"); null when some are allowed or none were offered.
 */
export function whyNoneAllowed(offers: readonly Offer[], guardrails: Guardrails): string | null {
  if (offers.length === 0 || allowedOffers(offers, guardrails).length > 0) return null;
  const typed = offers.filter((o) => typeAllowed(o, guardrails));
  const reasons: string[] = [];
  if (typed.length < offers.length) {
    reasons.push(
      guardrails.allowedTypes === null
        ? "dedicated-CPU types are left out (CCC_ALLOWED_TYPES is unset, so only shared-CPU types are allowed)"
        : `CCC_ALLOWED_TYPES allows only ${guardrails.allowedTypes.join(", ") || "nothing"}`,
    );
  }
  if (typed.length > 0) {
    const cheapest = typed.reduce((a, b) => (parseEuros(a.hourly) <= parseEuros(b.hourly) ? a : b));
    reasons.push(
      `CCC_MAX_EUR_PER_HOUR is €${guardrails.maxEurPerHour} and the cheapest allowed type, ${cheapest.type.name}, costs €${trimPrice(cheapest.hourly)} per hour`,
    );
  }
  return `None of the ${offers.length} server type offers is allowed: ${reasons.join("; ")}. An operator can change these settings.`;
}

/** Refuses an offer outside the guardrails, naming what may be picked in its location instead. */
export function checkOffer(offer: Offer, offersHere: readonly Offer[], guardrails: Guardrails): void {
  if (withinGuardrails(offer, guardrails)) return;
  const allowed = allowedOffers(offersHere, guardrails).map((o) => o.type.name);
  const instead = allowed.length
    ? `Allowed in ${offer.location}: ${[...new Set(allowed)].join(", ")}.`
    : `No server type is allowed in ${offer.location}; ask an admin.`;
  const why = !typeAllowed(offer, guardrails)
    ? guardrails.allowedTypes === null
      ? `Server type ${offer.type.name} has dedicated CPUs, which are not allowed here.`
      : `Server type ${offer.type.name} is not allowed here.`
    : `Server type ${offer.type.name} costs €${trimPrice(offer.hourly)} per hour in ${offer.location}, over the limit of €${guardrails.maxEurPerHour}.`;
  throw new UserError(`${why} ${instead}`, { code: "type_not_allowed", field: "serverType" });
}

/** Refuses fewer hours than the minimum (a provision's lifetime or an extend's addition). */
export function checkMinHours(hours: number, guardrails: Guardrails, field = "hours"): void {
  if (hours < guardrails.minHours) {
    throw new UserError(
      `At least ${formatHours(guardrails.minHours)} at a time (asked for ${formatHours(hours)}): Hetzner bills every started hour in full.`,
      { code: "too_few_hours", field },
    );
  }
}

/** Refuses a provision when the person already created the most allowed within the last hour. */
export function checkProvisionRate(createdLastHour: number, guardrails: Guardrails): void {
  const max = guardrails.maxProvisionsPerHour;
  if (createdLastHour >= max) {
    throw new QuotaError(
      `You created ${createdLastHour} machine${createdLastHour === 1 ? "" : "s"} within the last hour; the limit is ${max} an hour, deleted ones included. Try again later.`,
    );
  }
}

function typeAllowed(offer: Offer, guardrails: Guardrails): boolean {
  if (guardrails.allowedTypes !== null) return guardrails.allowedTypes.includes(offer.type.name);
  // A type whose CPU kind is not known is not taken for shared: the default must fail closed.
  return offer.type.cpuType === "shared";
}

/** Four places are enough to tell a price from the limit for people; the check itself is exact. */
function trimPrice(hourly: string): string {
  return Number(hourly).toFixed(4);
}
