import { describe, expect, it } from "vitest";
import { QuotaError, type UserError } from "../../src/core/errors.ts";
import { parseInstanceId } from "../../src/core/instances/instance.ts";
import {
  capHours,
  expiryFrom,
  extendedExpiry,
  type Policy,
  parseHours,
} from "../../src/core/instances/policy.ts";
import { machinesLeft, overQuota } from "../../src/core/instances/quota.ts";

const policy: Policy = {
  image: "ubuntu-24.04",
  defaultServerType: "cx23",
  defaultLocation: "fsn1",
  defaultHours: 4,
  maxHours: 8,
  maxLifetimeHours: 10,
  maxInstancesPerUser: 2,
  maxKeysPerMachine: 8,
};
const HOUR = 3_600_000;

describe("hour parsing", () => {
  it("takes positive decimals as text or numbers", () => {
    expect(parseHours("4")).toBe(4);
    expect(parseHours(" 1.5 ")).toBe(1.5);
    expect(parseHours(0.25)).toBe(0.25);
  });

  it("refuses anything else on the field it is told, clipping what it echoes", () => {
    for (const bad of ["", "abc", "-1", "1e3", "1,5", "0x10", null, undefined, Number.NaN]) {
      expect(() => parseHours(bad)).toThrow(/^Hours must be a positive number, like 4 or 1\.5/);
    }
    expect(() => parseHours("0.0")).toThrow("Hours must be more than 0.");
    const long = (() => {
      try {
        parseHours("x".repeat(50), "lifetime");
      } catch (error) {
        return error as UserError;
      }
    })();
    expect(long?.field).toBe("lifetime");
    expect(long?.message).toContain(`(got "${"x".repeat(20)}…")`);
  });

  it("holds one request to the per-request cap and a machine to its lifetime cap", () => {
    expect(capHours(8, policy)).toBe(8);
    expect(() => capHours(8.5, policy)).toThrow(QuotaError);
    expect(() => capHours(8.5, policy)).toThrow("At most 8 hours at a time (asked for 8.5).");
    const created = new Date(0);
    expect(extendedExpiry(created, new Date(4 * HOUR), 6, policy).getTime()).toBe(10 * HOUR);
    expect(() => extendedExpiry(created, new Date(4 * HOUR), 6.5, policy)).toThrow(
      "A machine may live at most 10 hours in all; this one can be extended by at most 6 hours more.",
    );
    expect(expiryFrom(new Date(1_500), 1).getTime()).toBe(HOUR + 1_000);
  });
});

describe("instance ids", () => {
  it("are trimmed and lower-cased, and anything else is refused on the id field", () => {
    expect(parseInstanceId(" CCC-ABCDEF ")).toBe("ccc-abcdef");
    expect(() => parseInstanceId("ccc-abcde1")).toThrow(/"ccc-abcde1" is not an instance id/);
  });
});

describe("the quota", () => {
  it("says how many more machines an owner may have, and words the refusal once", () => {
    expect(machinesLeft(0, 2)).toBe(2);
    expect(machinesLeft(2, 2)).toBe(0);
    expect(machinesLeft(5, 2)).toBe(0);
    expect(overQuota(1, 1).message).toBe(
      "You already have 1 machine running; the limit is 1. Delete one first.",
    );
    expect(overQuota(2, 2, { ids: ["ccc-a", "ccc-b"], deleteWith: "/ccc deprovision <id>" }).message).toBe(
      "You already have 2 machines running (ccc-a, ccc-b); the limit is 2. Delete one first with /ccc deprovision <id>.",
    );
    expect(overQuota(2, 2)).toBeInstanceOf(QuotaError);
  });
});
