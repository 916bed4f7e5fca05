import { describe, expect, it } from "vitest";
import {
  extendedSchema,
  instanceListSchema,
  instanceSchema,
  instanceStatusSchema,
  offersSchema,
  sharedSchema,
} from "../../src/render/schemas/response-schemas.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { ADMIN, ALICE, BOB } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { holdCalls } from "../helpers/hold.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { call, readyViaApi as readyFromApi, tokenFor } from "./api-client.ts";

const b = useBotHarness();

const readyViaApi = (token: string) => readyFromApi(b, token);

describe("the HTTP API", () => {
  it("provisions in the background, shows progress, extends, shares and deletes, as the token's person", async () => {
    b.slack.setUser(ALICE, { displayName: "Alice W" });
    const alice = tokenFor(b, ALICE);
    const made = await call(b, "POST", "/instances", {
      token: alice,
      body: { sshKey: makeKeyPair().publicKey, hours: 2, serverType: "cx23", location: "fsn1" },
    });
    expect(made.status).toBe(202);
    const recorded = instanceSchema.parse(made.json);
    // People by their Slack display name, beside the id (issue 18, item 11).
    expect(recorded).toMatchObject({
      owner: ALICE,
      ownerName: "Alice W",
      status: "creating",
      serverType: "cx23",
    });
    const id = recorded.id;
    await waitForState(() => b.running.bot.deps.store.get(id)?.status === "ready", 15_000, `${id} ready`);

    const one = await call(b, "GET", `/instances/${id.toUpperCase()}`, { token: alice });
    expect(one.status).toBe(200);
    expect(instanceStatusSchema.parse(one.json)).toMatchObject({
      id,
      status: "ready",
      ssh: expect.any(String),
    });
    const mine = await call(b, "GET", "/instances", { token: alice });
    expect(instanceListSchema.parse(mine.json).map((i) => [i.id, i.ownerName])).toEqual([[id, "Alice W"]]);

    const before = b.running.bot.deps.store.require(id).expiresAt.getTime();
    const extended = await call(b, "POST", `/instances/${id}/extend`, { token: alice, body: { hours: 1 } });
    expect(extended.status).toBe(200);
    expect(new Date(extendedSchema.parse(extended.json).expiresAt).getTime()).toBe(before + 3_600_000);

    const shared = await call(b, "POST", `/instances/${id}/share`, {
      token: alice,
      body: { with: BOB, sshKey: makeKeyPair().publicKey, noSudo: true, withSecrets: true },
    });
    expect(shared.status).toBe(200);
    expect(sharedSchema.parse(shared.json).access).toEqual([
      { who: ALICE, role: "owner" },
      { who: BOB, role: "guest", sudo: false, login: "ccc-guest-1" },
    ]);
    // The answer says what the guest can do on the machine.
    expect(b.h.deps.store.guests.list(id)).toMatchObject([{ guest: BOB, withSecrets: true }]);
    expect(sharedSchema.parse(shared.json)).toMatchObject({
      withSecrets: true,
      secrets: expect.stringContaining("With secrets:"),
      sudo: false,
      login: "ccc-guest-1",
      grants: expect.stringContaining("They log in as ccc-guest-1, without sudo"),
    });
    const unshared = await call(b, "POST", `/instances/${id}/unshare`, { token: alice, body: { with: BOB } });
    expect(sharedSchema.parse(unshared.json).access).toEqual([{ who: ALICE, role: "owner" }]);

    const deleted = await call(b, "DELETE", `/instances/${id}`, { token: alice });
    expect(deleted.status).toBe(200);
    expect(deleted.json).toMatchObject({ id, status: "deleted", changed: true });
    const again = await call(b, "DELETE", `/instances/${id}`, { token: alice });
    expect(again.status).toBe(409);
    expect(again.error).toMatchObject({ code: "already_deleted", message: `${id} was already deleted.` });

    const types = await call(b, "GET", "/types?location=fsn1", { token: alice });
    expect(types.status).toBe(200);
    const offers = offersSchema.parse(types.json);
    expect(offers.length).toBeGreaterThan(0);
    expect(new Set(offers.map((o) => o.location))).toEqual(new Set(["fsn1"]));
  });

  it("refuses another person's machine on every route and changes nothing", async () => {
    const alice = tokenFor(b, ALICE);
    const bob = tokenFor(b, BOB);
    const id = await readyViaApi(alice);
    const store = b.running.bot.deps.store;
    const before = store.require(id);
    const attempts: [string, string, unknown][] = [
      ["GET", `/instances/${id}`, undefined],
      ["POST", `/instances/${id}/extend`, { hours: 1 }],
      ["POST", `/instances/${id}/share`, { with: BOB, sshKey: makeKeyPair().publicKey }],
      ["POST", `/instances/${id}/unshare`, { with: BOB }],
      ["DELETE", `/instances/${id}`, undefined],
    ];
    for (const [method, path, body] of attempts) {
      const refused = await call(b, method, path, { token: bob, body });
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.error).toMatchObject({
        code: "forbidden",
        message: expect.stringContaining("not yours"),
      });
    }
    expect(store.require(id)).toEqual(before);
    expect(store.guests.list(id)).toEqual([]);
    const bobs = await call(b, "GET", "/instances", { token: bob });
    expect(bobs.json).toEqual([]);
    const all = await call(b, "GET", "/instances?all=true", { token: bob });
    expect(all.status).toBe(403);
    const peek = await call(b, "GET", `/instances?user=${ALICE}`, { token: bob });
    expect(peek.status).toBe(403);
  });

  it("lets admins see everyone's machines and act on them, by CCC_ADMINS", async () => {
    const alice = tokenFor(b, ALICE);
    const id = await readyViaApi(alice);
    const mine = await call(b, "GET", "/instances?all=true", { token: alice });
    expect(mine.status).toBe(403);
    for (const token of [tokenFor(b, ADMIN)]) {
      const all = await call(b, "GET", "/instances?all=true", { token });
      expect(all.status).toBe(200);
      expect(instanceListSchema.parse(all.json).map((i) => i.id)).toEqual([id]);
      const one = await call(b, "GET", `/instances/${id}`, { token });
      expect(one.status).toBe(200);
    }
    const deleted = await call(b, "DELETE", `/instances/${id}`, { token: tokenFor(b, ADMIN) });
    expect(deleted.json).toMatchObject({ status: "deleted" });
  });

  it("answers 401 without a token, with a wrong one and with a revoked one", async () => {
    const token = tokenFor(b, ALICE);
    const wrong: Record<string, string>[] = [
      {},
      { authorization: "Bearer ccc_nope" },
      { authorization: `Basic ${token}` },
    ];
    for (const headers of wrong) {
      const refused = await call(b, "GET", "/instances", { headers });
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toContain("Bearer");
      expect(refused.error?.code).toBe("unauthorized");
    }
    expect((await call(b, "GET", "/instances", { token })).status).toBe(200);
    const [made] = b.running.bot.deps.store.apiTokens.list(ALICE);
    b.running.bot.deps.store.apiTokens.revoke(made?.id ?? "", new Date());
    const revoked = await call(b, "GET", "/instances", { token });
    expect(revoked.status).toBe(401);
  });

  it("refuses malformed and oversized bodies and bad input with the right status, and records nothing", async () => {
    const token = tokenFor(b, ALICE);
    const store = b.running.bot.deps.store;
    const notJson = await call(b, "POST", "/instances", { token, rawBody: "{sshKey: " });
    expect(notJson).toMatchObject({ status: 400, error: { code: "malformed" } });
    const notObject = await call(b, "POST", "/instances", { token, rawBody: "[1,2]" });
    expect(notObject).toMatchObject({ status: 400, error: { code: "malformed" } });
    const huge = await call(b, "POST", "/instances", {
      token,
      body: { sshKey: "x".repeat(65 * 1024) },
    });
    expect(huge).toMatchObject({ status: 413, error: { code: "too_large" } });
    const badKey = await call(b, "POST", "/instances", { token, body: { sshKey: "not a key" } });
    expect(badKey).toMatchObject({ status: 422, error: { field: "sshKey" } });
    const missing = await call(b, "POST", "/instances", { token, body: { hours: 2 } });
    expect(missing).toMatchObject({
      status: 422,
      error: { message: "sshKey is required.", field: "sshKey" },
    });
    const key = makeKeyPair().publicKey;
    const tooLong = await call(b, "POST", "/instances", { token, body: { sshKey: key, hours: 1000 } });
    expect(tooLong).toMatchObject({ status: 422, error: { field: "hours" } });
    const noType = await call(b, "POST", "/instances", { token, body: { sshKey: key, serverType: "zz99" } });
    expect(noType.status).toBe(422);
    expect(store.list({ includeEnded: true })).toEqual([]);
    expect(b.h.cloud.servers()).toEqual([]);

    const unknown = await call(b, "GET", "/instances/ccc-zzzzzz", { token });
    expect(unknown).toMatchObject({ status: 404, error: { code: "not_found" } });
    const badId = await call(b, "GET", "/instances/nope", { token });
    expect(badId.status).toBe(422);
    const noRoute = await call(b, "GET", "/nothing-here", { token });
    expect(noRoute).toMatchObject({ status: 404, error: { code: "not_found" } });
    const wrongMethod = await call(b, "PUT", "/instances", { token });
    expect(wrongMethod).toMatchObject({ status: 405, error: { code: "method_not_allowed" } });
    const notBoolean = await call(b, "GET", "/instances?all=yes", { token });
    expect(notBoolean).toMatchObject({ status: 422, error: { field: "all" } });
  });

  it("refuses a body that grows past 64 KB without saying its length", async () => {
    const token = tokenFor(b, ALICE);
    const chunk = new TextEncoder().encode(`{"sshKey":"${"x".repeat(16 * 1024)}`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await call(b, "POST", "/instances", { token, rawBody: body });
    expect(res).toMatchObject({ status: 413, error: { code: "too_large" } });
    expect(b.running.bot.deps.store.list({ includeEnded: true })).toEqual([]);
  });

  it("refuses a machine over the quota with 422", async () => {
    const token = tokenFor(b, ALICE);
    const body = () => ({ sshKey: makeKeyPair().publicKey, hours: 1 });
    expect((await call(b, "POST", "/instances", { token, body: body() })).status).toBe(202);
    expect((await call(b, "POST", "/instances", { token, body: body() })).status).toBe(202);
    const over = await call(b, "POST", "/instances", { token, body: body() });
    expect(over).toMatchObject({ status: 422, error: { code: "quota_exceeded" } });
    await b.running.bot.tasks.idle();
  });
});

describe("the HTTP API's request timeout", () => {
  const slow = useBotHarness(() => ({ env: { CCC_API_TIMEOUT_SECONDS: "1" } }));

  it("answers 504 when a verb takes too long, and the work goes on to its end", async () => {
    const token = tokenFor(slow, ALICE);
    const made = await call(slow, "POST", "/instances", {
      token,
      body: { sshKey: makeKeyPair().publicKey, hours: 1 },
    });
    const id = instanceSchema.parse(made.json).id;
    const store = slow.running.bot.deps.store;
    await waitForState(() => store.get(id)?.status === "ready", 15_000, `${id} ready`);
    const held = holdCalls(slow.running.bot.deps.cloud, "deleteServer");
    const late = await call(slow, "DELETE", `/instances/${id}`, { token });
    expect(late).toMatchObject({ status: 504, error: { code: "timeout" } });
    held.release();
    await waitForState(() => store.get(id)?.status === "deleted", 15_000, `${id} deleted`);
  });
});

describe("the HTTP API's rate limit", () => {
  const limited = useBotHarness(() => ({ env: { CCC_API_RATE_PER_MINUTE: "3" } }));

  it("answers 429 with Retry-After past the limit, per token", async () => {
    const alice = tokenFor(limited, ALICE);
    for (let i = 0; i < 3; i++)
      expect((await call(limited, "GET", "/instances", { token: alice })).status).toBe(200);
    const refused = await call(limited, "GET", "/instances", { token: alice });
    expect(refused.status).toBe(429);
    expect(refused.error?.code).toBe("rate_limited");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(20);
    // Another token, even the same person's, has its own allowance.
    expect((await call(limited, "GET", "/instances", { token: tokenFor(limited, BOB) })).status).toBe(200);
  });

  it("counts wrong tokens per address too, so guessing is limited as well", async () => {
    for (let i = 0; i < 3; i++) {
      expect((await call(limited, "GET", "/instances", { token: `ccc_${"x".repeat(32)}` })).status).toBe(401);
    }
    const refused = await call(limited, "GET", "/instances", { token: `ccc_${"y".repeat(32)}` });
    expect(refused).toMatchObject({ status: 429, error: { code: "rate_limited" } });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // A right token is not held back by someone else's guesses.
    expect((await call(limited, "GET", "/instances", { token: tokenFor(limited, ALICE) })).status).toBe(200);
  });
});
