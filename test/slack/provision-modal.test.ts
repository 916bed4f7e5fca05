import { describe, expect, it } from "vitest";
import type { Offer } from "../../src/core/cloud/catalog.ts";
import type { Policy } from "../../src/core/instances/policy.ts";
import {
  costLine,
  hourOptions,
  offerLabel,
  provisionModal,
  readModalState,
} from "../../src/render/block-kit/provision-modal.ts";

const offer: Offer = {
  type: {
    name: "cx23",
    description: "CX23",
    cores: 2,
    memoryGb: 4,
    diskGb: 40,
    architecture: "x86",
    deprecated: false,
    prices: [],
  },
  location: "fsn1",
  hourly: "0.0080000000",
  monthly: "4.9900000000",
};
const policy: Policy = {
  image: "ubuntu-24.04",
  defaultServerType: "cx23",
  defaultLocation: "fsn1",
  defaultHours: 3,
  maxHours: 10,
  maxLifetimeHours: 72,
  maxInstancesPerUser: 2,
  maxKeysPerMachine: 8,
};

describe("the provision form's pieces", () => {
  it("estimates the cost for the hours picked, or asks for a type first", () => {
    expect(costLine(offer, 8)).toBe(
      "Estimated cost: *€0.06* for 8 h (€0.0080 per hour, incl. VAT). Billed per hour started; deleting early stops it.",
    );
    expect(costLine(offer, 0.5)).toContain("*€0.00* for 0.5 h");
    expect(costLine(undefined, 8)).toBe("Pick a server type to see the cost.");
  });

  it("offers lifetimes up to the cap, with the default and the cap among them", () => {
    expect(hourOptions(policy)).toEqual([1, 2, 3, 4, 8, 10]);
    expect(hourOptions({ ...policy, maxHours: 1, defaultHours: 1 })).toEqual([1]);
  });

  it("labels a type within Slack's 75 characters", () => {
    expect(offerLabel(offer)).toBe("cx23 · 2 vCPU · 4 GB · x86 · €0.0080/h");
    const long = { ...offer, type: { ...offer.type, name: "x".repeat(80) } };
    expect(offerLabel(long)).toHaveLength(75);
  });

  it("warns instead of a type list where nothing is offered, and keeps the chosen hours in the cost", () => {
    const modal = provisionModal({
      policy,
      locations: [
        { name: "fsn1", description: "", city: "Falkenstein", country: "DE", networkZone: "eu-central" },
      ],
      offers: [],
      choice: { location: "fsn1", serverType: "cx23", hours: 8 },
      lastKey: null,
    });
    const text = JSON.stringify(modal.blocks);
    expect(text).toContain("No server type is available in fsn1");
    expect(text).toContain("Pick a server type to see the cost.");
    expect(text).not.toContain("initial_value");
  });
});

describe("the Keep my work checkbox", () => {
  const input = {
    policy,
    locations: [],
    offers: [offer],
    choice: { location: "fsn1", serverType: "cx23", hours: 3 },
    lastKey: null,
  };

  it("shows what it gives and costs, ticked when the person chose it last", () => {
    const line = "a new 10 GB volume: €0.52/month in fsn1 is made, attached and mounted at /home/claude/work";
    const view = provisionModal({ ...input, keepWork: { line, ticked: true } });
    const block = view.blocks.find((b) => b.block_id === "keepWork") as unknown as {
      optional: boolean;
      element: { options: { description: { text: string } }[]; initial_options?: unknown[] };
    };
    expect(block.optional).toBe(true);
    expect(block.element.options[0]?.description.text).toContain("10 GB volume: €0.52/month");
    expect(block.element.initial_options).toHaveLength(1);
    expect(provisionModal(input).blocks.some((b) => b.block_id === "keepWork")).toBe(false);
  });

  it("is read from the submitted state", () => {
    const values = (selected: { value: string }[]) => ({
      keepWork: { keep_work: { selected_options: selected } },
    });
    expect(readModalState(values([{ value: "keep" }])).keepWork).toBe(true);
    expect(readModalState(values([])).keepWork).toBe(false);
    expect(readModalState({}).keepWork).toBe(false);
  });
});
