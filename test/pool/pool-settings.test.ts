import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config.ts";

describe("the pool settings", () => {
  it("default to no pool, two parallel installs and 24 hours", () => {
    expect(parseConfig({}).pool).toEqual({ targets: [], maxParallelInstalls: 2, maxAgeHours: 24 });
    expect(parseConfig({ CCC_POOL: "  " }).pool.targets).toEqual([]);
  });

  it("read type@location=count entries", () => {
    const config = parseConfig({
      CCC_POOL: "cx23@fsn1=2, cax11@hel1=1",
      CCC_POOL_MAX_PARALLEL_INSTALLS: "3",
      CCC_POOL_MAX_AGE_HOURS: "12",
    });
    expect(config.pool).toEqual({
      targets: [
        { serverType: "cx23", location: "fsn1", count: 2 },
        { serverType: "cax11", location: "hel1", count: 1 },
      ],
      maxParallelInstalls: 3,
      maxAgeHours: 12,
    });
  });

  it.each([
    ["cx23fsn1=2", /CCC_POOL: "cx23fsn1=2" is not type@location=count/],
    ["cx23@fsn1", /is not type@location=count/],
    ["cx23@fsn1=0", /the count must be 1 to 20/],
    ["CX 23@fsn1=1", /is not type@location=count/],
    ["cx23@FSN1=1", /"FSN1" does not look like a location/],
    ["cx23@fsn1=1,cx23@fsn1=2", /cx23@fsn1 is named twice/],
  ])("refuse %s with a clear message", (value, message) => {
    expect(() => parseConfig({ CCC_POOL: value })).toThrow(ConfigError);
    expect(() => parseConfig({ CCC_POOL: value })).toThrow(message);
  });

  it("list every problem at once, with the other settings'", () => {
    try {
      parseConfig({ CCC_POOL: "cx23@fsn1=0,x", CCC_POOL_MAX_PARALLEL_INSTALLS: "0" });
      expect.unreachable();
    } catch (error) {
      const problems = (error as ConfigError).problems;
      expect(problems.filter((p) => p.startsWith("CCC_POOL:"))).toHaveLength(2);
      expect(problems.some((p) => p.startsWith("CCC_POOL_MAX_PARALLEL_INSTALLS:"))).toBe(true);
    }
  });
});
