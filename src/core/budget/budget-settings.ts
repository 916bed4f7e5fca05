import type { Amount } from "../billing/money.ts";
import { parseDecimal } from "../billing/money.ts";
import { UserError } from "../errors.ts";

/** The operator's monthly limits, in euros as decimal strings; null for none. */
export interface BudgetSettings {
  userMonthlyEur: string | null;
  teamMonthlyEur: string | null;
}

export const NO_BUDGETS: BudgetSettings = { userMonthlyEur: null, teamMonthlyEur: null };

const EUROS = /^\d{1,7}(\.\d{1,2})?$/;

/** Euros as a person types them (`25`, `12.40`, `€10`), to at most the cent; refused on `field` otherwise. */
export function parseBudgetEuros(text: string, field = "eur"): string {
  const plain = text.trim().replace(/^€/, "");
  if (!EUROS.test(plain)) {
    throw new UserError(
      `A budget is an amount in euros like 25 or 12.40 (got "${text.trim().slice(0, 20)}").`,
      {
        field,
      },
    );
  }
  const [whole, fraction = ""] = plain.split(".");
  return `${Number(whole)}.${fraction.padEnd(2, "0")}`;
}

export function budgetAmount(eur: string): Amount {
  return parseDecimal(eur, "budget");
}
