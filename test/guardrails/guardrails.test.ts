import { afterEach, describe, expect, it } from "vitest";
import { extendCommand } from "../../src/commands/extend.ts";
import { acceptProvision } from "../../src/commands/provision.ts";
import { typesCommand } from "../../src/commands/types.ts";
import { parseConfig } from "../../src/config.ts";
import { QuotaError, UserError } from "../../src/core/errors.ts";
import { DEFAULT_GUARDRAILS } from "../../src/core/guardrails/guardrails.ts";
import { ADMIN, ALICE, BOB, caught, HOUR, type StoreWorld, startStoreWorld } from "../commands/fixtures.ts";
import { makeKeyPair } from "../helpers/keys.ts";

const key = makeKeyPair().publicKey;
let w: StoreWorld;
afterEach(async () => {
  await w?.close();
});

async function world(guardrails: Partial<typeof DEFAULT_GUARDRAILS> = {}): Promise<StoreWorld> {
  w = await startStoreWorld({ fakeHetzner: true });
  w.deps.guardrails = { ...DEFAULT_GUARDRAILS, ...guardrails };
  return w;
}

const ask = (owner = ALICE, extra: Record<string, unknown> = {}) =>
  acceptProvision(w.ctx(owner), { owner: owner.id, sshKey: key, location: "fsn1", hours: 2, ...extra });

/** What a refusal must leave behind: no row and no server. */
function nothingWritten(): void {
  expect(w.deps.store.list({ includeEnded: true })).toEqual([]);
  expect(w.fake?.servers() ?? []).toEqual([]);
}

describe("guardrails on server types", () => {
  it("offer only shared-CPU types by default and refuse a dedicated one, naming the allowed ones", async () => {
    await world();
    const shown = await typesCommand.execute(w.ctx(ALICE), { location: "fsn1" });
    const names = (shown.json() as { name: string }[]).map((o) => o.name);
    expect(names).toContain("cx23");
    expect(names).not.toContain("ccx13");
    const error = await caught(() => ask(ALICE, { serverType: "ccx13" }));
    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({ code: "type_not_allowed", field: "serverType" });
    expect((error as Error).message).toBe(
      "Server type ccx13 has dedicated CPUs, which are not allowed here. Allowed in fsn1: cx23, cax11, cx33, cpx22.",
    );
    // An admin is held to the same rule: the setting is the way to allow more.
    expect(await caught(() => ask(ADMIN, { serverType: "ccx13" }))).toMatchObject({
      code: "type_not_allowed",
    });
    nothingWritten();
  });

  it("take CCC_ALLOWED_TYPES as the whole list when it is set", async () => {
    // A dedicated type named in the list is allowed: the list replaces the shared-CPU default.
    await world({ allowedTypes: ["cx23", "ccx13"] });
    const shown = await typesCommand.execute(w.ctx(ALICE), {});
    expect(new Set((shown.json() as { name: string }[]).map((o) => o.name))).toEqual(
      new Set(["cx23", "ccx13"]),
    );
    const error = await caught(() => ask(ALICE, { serverType: "cx33" }));
    expect((error as Error).message).toBe(
      "Server type cx33 is not allowed here. Allowed in fsn1: cx23, ccx13.",
    );
    nothingWritten();
  });

  it("refuse a type over CCC_MAX_EUR_PER_HOUR, with its price and the limit", async () => {
    await world({ maxEurPerHour: "0.0065" });
    const shown = await typesCommand.execute(w.ctx(ALICE), { location: "fsn1" });
    const offers = shown.json() as { name: string; priceHourly: { amount: string } }[];
    expect(offers.map((o) => o.name)).toEqual(["cx23", "cax11"]);
    expect(offers.every((o) => Number(o.priceHourly.amount) <= 0.0065)).toBe(true);
    const error = await caught(() => ask(ALICE, { serverType: "cx33" }));
    expect((error as Error).message).toBe(
      "Server type cx33 costs €0.0081 per hour in fsn1, over the limit of €0.0065. Allowed in fsn1: cx23, cax11.",
    );
    nothingWritten();
    expect((await ask(ALICE, { serverType: "cx23" })).serverType).toBe("cx23");
  });
});

describe("guardrails on hours", () => {
  it("refuse a lifetime under CCC_MIN_HOURS on its field, and take the minimum itself", async () => {
    await world({ minHours: 0.5 });
    const error = await caught(() => ask(ALICE, { hours: "0.25" }));
    expect(error).toMatchObject({ code: "too_few_hours", field: "hours" });
    expect((error as Error).message).toBe(
      "At least 0.5 hours at a time (asked for 0.25 hours): Hetzner bills every started hour in full.",
    );
    nothingWritten();
    expect((await ask(ALICE, { hours: "0.5" })).status).toBe("creating");
  });

  it("refuse an extend under CCC_MIN_HOURS and leave the expiry where it was", async () => {
    await world({ minHours: 1 });
    const mine = w.plant(ALICE.id);
    const error = await caught(() => extendCommand.execute(w.ctx(ALICE), { id: mine.id, hours: "0.5" }));
    expect(error).toMatchObject({ code: "too_few_hours", field: "hours" });
    expect(w.deps.store.require(mine.id).expiresAt).toEqual(mine.expiresAt);
    expect(w.deps.store.events(mine.id).map((e) => e.kind)).toEqual(["requested"]);
  });
});

describe("guardrail on provisions per hour", () => {
  it("counts creations, so a create-and-delete loop stops, and makes room again an hour later", async () => {
    await world({ maxProvisionsPerHour: 3 });
    for (let i = 0; i < 3; i++) {
      const made = await ask(ALICE);
      w.deps.store.remove(made.id, { actor: ALICE.id, kind: "deleted" });
      w.clock.advance(60_000);
    }
    const error = await caught(() => ask(ALICE));
    expect(error).toBeInstanceOf(QuotaError);
    expect((error as Error).message).toBe(
      "You created 3 machines within the last hour; the limit is 3 an hour, deleted ones included. Try again later.",
    );
    expect(w.deps.store.list({ includeEnded: true })).toHaveLength(3);
    // Per person: someone else is not held up by Alice's loop.
    expect((await ask(BOB)).owner).toBe(BOB.id);
    w.clock.advance(HOUR - 3 * 60_000 + 1);
    expect((await ask(ALICE)).owner).toBe(ALICE.id);
  });
});

describe("guardrail settings", () => {
  it("default as the issue says and read every setting", () => {
    expect(parseConfig({}).guardrails).toEqual({
      allowedTypes: null,
      maxEurPerHour: "0.10",
      minHours: 0.5,
      maxProvisionsPerHour: 6,
    });
    expect(
      parseConfig({
        CCC_ALLOWED_TYPES: " cx23, cax11 ,",
        CCC_MAX_EUR_PER_HOUR: "0.05",
        CCC_MIN_HOURS: "1",
        CCC_MAX_PROVISIONS_PER_HOUR: "2",
      }).guardrails,
    ).toEqual({
      allowedTypes: ["cx23", "cax11"],
      maxEurPerHour: "0.05",
      minHours: 1,
      maxProvisionsPerHour: 2,
    });
    expect(() => parseConfig({ CCC_MAX_EUR_PER_HOUR: "ten", CCC_MIN_HOURS: "-1" })).toThrow(
      /CCC_MAX_EUR_PER_HOUR: a price in euros[\s\S]*CCC_MIN_HOURS/,
    );
  });

  it("read the workspace, guests and Stripe settings, refusing malformed ones", () => {
    const config = parseConfig({});
    expect(config.identity).toEqual({ teamId: undefined, allowGuests: false });
    expect(config.stripe).toEqual({ secretKey: undefined, apiUrl: undefined, meterEvent: "ccc_usage_cents" });
    const set = parseConfig({
      CCC_SLACK_TEAM_ID: " T012AB3CD ",
      CCC_ALLOW_GUESTS: "TRUE",
      STRIPE_SECRET_KEY: "sk_test_abc",
      STRIPE_API_URL: "http://127.0.0.1:12111",
      CCC_STRIPE_METER_EVENT: "ccc_cents",
    });
    expect(set.identity).toEqual({ teamId: "T012AB3CD", allowGuests: true });
    expect(set.stripe).toEqual({
      secretKey: "sk_test_abc",
      apiUrl: "http://127.0.0.1:12111",
      meterEvent: "ccc_cents",
    });
    expect(() =>
      parseConfig({ CCC_SLACK_TEAM_ID: "general", CCC_ALLOW_GUESTS: "yes", STRIPE_SECRET_KEY: "pk_test_x" }),
    ).toThrow(
      /CCC_SLACK_TEAM_ID: a Slack workspace id[\s\S]*CCC_ALLOW_GUESTS: true or false[\s\S]*STRIPE_SECRET_KEY: a secret key/,
    );
  });
});
