import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config.ts";

describe("budget settings", () => {
  it("read euros to the cent, blank as no limit, and refuse anything else", () => {
    expect(
      parseConfig({ CCC_USER_MONTHLY_BUDGET_EUR: " 25 ", CCC_TEAM_MONTHLY_BUDGET_EUR: "400.50" }).policy
        .budgets,
    ).toEqual({ userMonthlyEur: "25", teamMonthlyEur: "400.50" });
    expect(parseConfig({ CCC_USER_MONTHLY_BUDGET_EUR: "" }).policy.budgets?.userMonthlyEur).toBeNull();
    for (const bad of ["-1", "ten", "1.234", "1e3"]) {
      const error = (() => {
        try {
          parseConfig({ CCC_TEAM_MONTHLY_BUDGET_EUR: bad });
        } catch (e) {
          return e as ConfigError;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect(error?.problems).toEqual([
        "CCC_TEAM_MONTHLY_BUDGET_EUR: an amount in euros like 25 or 12.40, or empty for no limit",
      ]);
    }
  });
});
