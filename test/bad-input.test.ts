import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deprovision } from "../src/commands/deprovision.ts";
import { extend } from "../src/commands/extend.ts";
import { list } from "../src/commands/list.ts";
import { acceptProvision, type ProvisionInput, provision } from "../src/commands/provision.ts";
import { status } from "../src/commands/status.ts";
import { ForbiddenError, NotFoundError, QuotaError, UserError } from "../src/core/errors.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { makeKeyPair } from "./helpers/keys.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    env: { CCC_MAX_HOURS: "8", CCC_MAX_LIFETIME_HOURS: "10", CCC_MAX_INSTANCES_PER_USER: "1" },
  });
});
afterAll(async () => {
  expect(h.strayServers()).toEqual([]);
  await h.close();
});

const alice = { id: "alice", isAdmin: false };
const key = makeKeyPair("alice@laptop").publicKey;
const ctx = () => ({ deps: h.deps, actor: alice });

async function refusal(input: Partial<ProvisionInput>) {
  const rowsBefore = h.deps.store.list({ includeEnded: true }).length;
  const eventsBefore = h.deps.store.events().length;
  const error = await acceptProvision(ctx(), { owner: "alice", sshKey: key, ...input }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  expect(h.deps.store.list({ includeEnded: true })).toHaveLength(rowsBefore);
  expect(h.deps.store.events()).toHaveLength(eventsBefore);
  expect(h.cloud.requests.filter((r) => r.method !== "GET")).toEqual([]);
  return error as UserError;
}

describe("bad input gets a clear message and changes nothing", () => {
  beforeEach(() => {
    h.cloud.requests.length = 0;
  });

  it("refuses bad keys before asking the cloud anything", async () => {
    const privateKey = makeKeyPair().privateKey;
    const refused = await refusal({ sshKey: privateKey });
    expect(refused.code).toBe("private_key");
    expect(refused.message).not.toContain(privateKey.split("\n")[1]?.slice(0, 12));
    expect((await refusal({ sshKey: "" })).code).toBe("empty");
    expect((await refusal({ sshKey: `${key}\n${makeKeyPair().publicKey}` })).code).toBe("multiple_keys");
    expect((await refusal({ sshKey: `command="rm -rf /" ${key}` })).code).toBe("options_prefix");
    expect(h.cloud.requests).toEqual([]);
  });

  it("refuses hours that are not a positive number within the caps", async () => {
    for (const hours of ["0", "-1", "abc", "1e3", ""]) {
      expect((await refusal({ hours })).message).toMatch(/Hours must be/);
    }
    const over = await refusal({ hours: "9" });
    expect(over).toBeInstanceOf(QuotaError);
    expect(over.message).toBe("At most 8 hours at a time (asked for 9).");
    // An operator who set the per-request cap above the lifetime cap still gets the lifetime cap.
    h.deps.policy.maxLifetimeHours = 6;
    try {
      expect((await refusal({ hours: "7" })).message).toBe(
        "A machine may live at most 6 hours in all (asked for 7).",
      );
    } finally {
      h.deps.policy.maxLifetimeHours = 10;
    }
    expect(h.cloud.requests).toEqual([]);
  });

  it("names what exists for an unknown type or location", async () => {
    const type = await refusal({ serverType: "cx99" });
    expect(type.field).toBe("serverType");
    expect(type.message).toMatch(/^Unknown server type "cx99"\. Available in fsn1: .*cx23/);
    const location = await refusal({ location: "mars1" });
    expect(location.field).toBe("location");
    expect(location.message).toMatch(/^Unknown location "mars1"\. Locations: .*fsn1/);
    const deprecated = await refusal({ serverType: "cx22" });
    expect(deprecated.message).toMatch(/cx22 is deprecated/);
  });

  it("refuses a bad owner or email", async () => {
    expect((await refusal({ owner: "alice; rm -rf" })).field).toBe("user");
    expect((await refusal({ ownerEmail: "not-an-email" })).field).toBe("email");
  });

  it("refuses ids that are not ours before any lookup", async () => {
    for (const id of ["ccc-1", "../etc/passwd", "ccc-abcdefg", "ccc-0olI1x", "ccc abcdef"]) {
      expect(() => status(ctx(), { id })).toThrow(/not an instance id/);
    }
    expect(() => status(ctx(), { id: "ccc-abcdef" })).toThrow(NotFoundError);
  });

  it("holds a user to the instance quota and the lifetime cap, and others to their own instances", async () => {
    const ready = await provision(ctx(), { owner: "alice", sshKey: key, hours: 8 });
    h.cloud.requests.length = 0;
    const quota = await refusal({});
    expect(quota).toBeInstanceOf(QuotaError);
    expect(quota.message).toBe("You already have 1 machine running; the limit is 1. Delete one first.");

    const tooLong = await extend(ctx(), { id: ready.id, hours: 3 }).catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(QuotaError);
    expect((tooLong as Error).message).toMatch(/at most 10 hours in all; .* at most 2 hours more/);

    const bob = { deps: h.deps, actor: { id: "bob", isAdmin: false } };
    expect(() => status(bob, { id: ready.id })).toThrow(ForbiddenError);
    await expect(deprovision(bob, { id: ready.id })).rejects.toThrow(/is not yours/);
    expect(() => list(bob, { all: true })).toThrow(ForbiddenError);
    expect(
      h.deps.store
        .events(ready.id)
        .filter((e) => e.kind === "refused")
        .map((e) => e.actor),
    ).toEqual(["bob", "bob"]);
    expect(h.cloud.servers()).toHaveLength(1);

    await deprovision(ctx(), { id: ready.id });
    const again = await deprovision(ctx(), { id: ready.id });
    expect(again.changed).toBe(false);
    await expect(extend(ctx(), { id: ready.id, hours: 1 })).rejects.toThrow(
      /is deleted; only a live machine/,
    );
  });
});
