import type { BudgetSettings } from "../budget/budget-settings.ts";
import { QuotaError, UserError } from "../errors.ts";

/** The operator's rules for what a user may ask for. */
export interface Policy {
  image: string;
  defaultServerType: string;
  defaultLocation: string;
  defaultHours: number;
  /** Most hours one request (a provision or an extend) may add. */
  maxHours: number;
  /** Most hours an instance may live in all, from creation. */
  maxLifetimeHours: number;
  maxInstancesPerUser: number;
  /** Most SSH keys one machine accepts, the owner's and guests' together. */
  maxKeysPerMachine: number;
  /** Live API tokens one person may hold (`CCC_MAX_TOKENS_PER_USER`); 5 when left out. */
  maxTokensPerUser?: number;
  /** Monthly spending limits; none when left out. */
  budgets?: BudgetSettings;
}

const HOUR_MS = 3_600_000;

/** Hours as a person types them (text or a number): a positive decimal like 4 or 1.5. */
export function parseHours(value: unknown, field = "hours"): number {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  if (!/^\d+(\.\d+)?$/.test(text)) {
    throw new UserError(
      `Hours must be a positive number, like 4 or 1.5 (got "${clip(String(value ?? ""))}").`,
      { field },
    );
  }
  const hours = Number(text);
  if (!(hours > 0)) throw new UserError("Hours must be more than 0.", { field });
  return hours;
}

/** Refuses more hours than one request (a provision or an extend) may add. */
export function capHours(hours: number, policy: Policy, field = "hours"): number {
  if (hours > policy.maxHours) {
    throw new QuotaError(`At most ${policy.maxHours} hours at a time (asked for ${hours}).`, field);
  }
  return hours;
}

/**
 * A new machine's lifetime: what was asked or the default, within the per-request and lifetime caps
 * (a provision and a restore alike).
 */
export function newLifetimeHours(asked: number | undefined, policy: Policy): number {
  const hours = capHours(asked ?? policy.defaultHours, policy);
  if (hours > policy.maxLifetimeHours) {
    throw new QuotaError(
      `A machine may live at most ${policy.maxLifetimeHours} hours in all (asked for ${hours}).`,
      "hours",
    );
  }
  return hours;
}

/** The new deadline after adding `hours`, refused when it would pass the lifetime cap. */
export function extendedExpiry(createdAt: Date, expiresAt: Date, hours: number, policy: Policy): Date {
  const next = new Date(expiresAt.getTime() + hours * HOUR_MS);
  const cap = new Date(createdAt.getTime() + policy.maxLifetimeHours * HOUR_MS);
  if (next.getTime() > cap.getTime()) {
    const left = Math.max(0, (cap.getTime() - expiresAt.getTime()) / HOUR_MS);
    throw new QuotaError(
      `A machine may live at most ${policy.maxLifetimeHours} hours in all; this one can be extended by at most ${formatHours(left)} more.`,
      "hours",
    );
  }
  return next;
}

/** Whole seconds, so the store and the server's `ccc-expires-at` label name the same instant. */
export function expiryFrom(now: Date, hours: number): Date {
  return new Date(Math.floor((now.getTime() + hours * HOUR_MS) / 1000) * 1000);
}

export function formatHours(hours: number): string {
  const rounded = Math.round(hours * 100) / 100;
  return `${rounded} hour${rounded === 1 ? "" : "s"}`;
}

function clip(text: string): string {
  return text.length > 20 ? `${text.slice(0, 20)}…` : text;
}
