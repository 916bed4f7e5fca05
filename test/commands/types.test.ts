import { afterEach, describe, expect, it } from "vitest";
import { parseInput } from "../../src/commands/input.ts";
import { offerJson, typesBlocks, typesCommand, typesInput, typesText } from "../../src/commands/types.ts";
import type { Offer } from "../../src/core/cloud/catalog.ts";
import { ALICE, NOW, type StoreWorld, startStoreWorld } from "./fixtures.ts";

let w: StoreWorld | null = null;
afterEach(async () => {
  await w?.close();
  w = null;
});

const offer: Offer = {
  type: {
    name: "cax11",
    description: "CAX11",
    cores: 2,
    memoryGb: 4,
    diskGb: 40,
    architecture: "arm",
    deprecated: false,
    prices: [],
  },
  location: "fsn1",
  hourly: "0.0072000000",
  monthly: "4.4900000000",
};

describe("types", () => {
  it("takes a location in any case, blank meaning all", () => {
    expect(parseInput(typesInput, { location: " FSN1 " })).toEqual({ location: "fsn1" });
    expect(parseInput(typesInput, { location: "" })).toEqual({ location: undefined });
    expect(parseInput(typesInput, {})).toEqual({ location: undefined });
    expect(() => parseInput(typesInput, { location: "x".repeat(41) })).toThrow(/^location: /);
  });

  it("lists what the fake Hetzner offers, cheapest first, and names an unknown location's alternatives", async () => {
    w = await startStoreWorld({ fakeHetzner: true });
    const shown = await typesCommand.execute(w.ctx(ALICE), { location: "fsn1" });
    const offers = shown.json() as { name: string; location: string; priceHourly: { amount: string } }[];
    expect(offers.length).toBeGreaterThan(1);
    expect(offers.every((o) => o.location === "fsn1")).toBe(true);
    const prices = offers.map((o) => Number(o.priceHourly.amount));
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect(shown.blocks({ now: NOW, actor: ALICE }).text).toBe("Server types in fsn1");
    await expect(typesCommand.execute(w.ctx(ALICE), { location: "atlantis" })).rejects.toThrow(
      /^Unknown location "atlantis"\. Locations: .*fsn1/,
    );
  });

  it("renders a table with gross prices, JSON with Hetzner's decimals, and a code block for Slack", () => {
    const table = typesText([offer]);
    expect(table.split("\n")[0]).toMatch(/^TYPE\s+LOCATION\s+CPU\s+RAM\s+DISK\s+ARCH\s+€\/HOUR\s+€\/MONTH$/);
    expect(table.split("\n")[1]).toMatch(/^cax11\s+fsn1\s+2\s+4 GB\s+40 GB\s+arm\s+€0\.0072\s+€4\.49$/);
    expect(typesText([])).toBe("No server types available.");
    expect(offerJson(offer)).toEqual({
      name: "cax11",
      location: "fsn1",
      cores: 2,
      memoryGb: 4,
      diskGb: 40,
      architecture: "arm",
      priceHourly: { amount: "0.007200", currency: "EUR" },
      priceMonthly: { amount: "4.49", currency: "EUR" },
    });
    const slack = typesBlocks({ offers: [offer], location: undefined });
    expect(slack.text).toBe("Server types");
    expect(JSON.stringify(slack.blocks)).toContain("```TYPE");
  });
});
