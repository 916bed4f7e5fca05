// The routes of the verbs that landed after the first ones, over real HTTP with real tokens: a
// person's key and defaults (`/me/…`), `again`, and work volumes, with provision's options.
import { describe, expect, it } from "vitest";
import {
  instanceSchema,
  keySchema,
  prefsSchema,
  volumeListSchema,
} from "../../src/render/schemas/response-schemas.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { ADMIN, ALICE, BOB } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { call, readyViaApi, tokenFor } from "./api-client.ts";

const b = useBotHarness();

describe("the HTTP API's /me routes", () => {
  it("shows and sets the token's person's own key, never someone else's, and refuses a bad one", async () => {
    const bob = tokenFor(b, BOB);
    const store = b.running.bot.deps.store;
    const none = await call(b, "GET", "/me/key", { token: bob });
    expect(none.status).toBe(200);
    expect(keySchema.parse(none.json)).toEqual({ user: BOB, fingerprint: null, shared: [], dropped: [] });

    const pair = makeKeyPair();
    // A `user` in the body is not the client's to choose here: refused, naming it, and nothing set.
    const someoneElse = await call(b, "PUT", "/me/key", {
      token: bob,
      body: { sshKey: pair.publicKey, user: ALICE },
    });
    expect(someoneElse).toMatchObject({ status: 422, error: { code: "unknown_field", field: "user" } });
    expect(store.currentKeyOf(BOB)).toBeNull();
    expect(store.currentKeyOf(ALICE)).toBeNull();
    const set = await call(b, "PUT", "/me/key", { token: bob, body: { sshKey: pair.publicKey } });
    expect(set.status).toBe(200);
    expect(keySchema.parse(set.json)).toMatchObject({
      user: BOB,
      fingerprint: expect.stringMatching(/^SHA256:/),
    });
    expect(store.currentKeyOf(BOB)).toBe(pair.publicKey.trim());
    expect(store.currentKeyOf(ALICE)).toBeNull();
    const shown = await call(b, "GET", "/me/key", { token: bob });
    expect(keySchema.parse(shown.json).fingerprint).toBe(keySchema.parse(set.json).fingerprint);

    const bad = await call(b, "PUT", "/me/key", { token: bob, body: { sshKey: "not a key" } });
    expect(bad).toMatchObject({ status: 422, error: { field: "sshKey" } });
    const missing = await call(b, "PUT", "/me/key", { token: bob, body: {} });
    expect(missing).toMatchObject({ status: 422, error: { field: "sshKey" } });
    expect(store.currentKeyOf(BOB)).toBe(pair.publicKey.trim());
  });

  it("shows and patches the token's person's defaults, and refuses bad values changing nothing", async () => {
    const alice = tokenFor(b, ALICE);
    const store = b.running.bot.deps.store;
    const empty = await call(b, "GET", "/me/prefs", { token: alice });
    expect(empty.status).toBe(200);
    expect(prefsSchema.parse(empty.json)).toEqual({ user: ALICE, prefs: {}, changed: false });

    const patched = await call(b, "PATCH", "/me/prefs", {
      token: alice,
      body: { serverType: "cx23", hours: 8, packages: ["python3", "go"], saveOnExpiry: true },
    });
    expect(patched.status).toBe(200);
    expect(prefsSchema.parse(patched.json).prefs).toEqual({
      serverType: "cx23",
      hours: 8,
      packages: ["python3", "go"],
      saveOnExpiry: true,
    });
    const cleared = await call(b, "PATCH", "/me/prefs", {
      token: alice,
      body: { hours: "", saveOnExpiry: "off" },
    });
    expect(prefsSchema.parse(cleared.json).prefs).toEqual({
      serverType: "cx23",
      packages: ["python3", "go"],
      saveOnExpiry: false,
    });
    const before = store.prefs.get(ALICE);
    for (const body of [{ hours: -1 }, { saveOnExpiry: "maybe" }, {}, { serverType: "zz99" }]) {
      const refused = await call(b, "PATCH", "/me/prefs", { token: alice, body });
      expect(refused.status, JSON.stringify(body)).toBe(422);
    }
    const hours = await call(b, "PATCH", "/me/prefs", { token: alice, body: { hours: -1 } });
    expect(hours.error?.field).toBe("hours");
    expect(store.prefs.get(ALICE)).toEqual(before);
    const bobs = await call(b, "GET", "/me/prefs", { token: tokenFor(b, BOB) });
    expect(prefsSchema.parse(bobs.json)).toMatchObject({ user: BOB, prefs: {} });
  });
});

describe("the HTTP API's again", () => {
  it("repeats the last request in the background, refuses someone else's, and says when there is none", async () => {
    const alice = tokenFor(b, ALICE);
    const store = b.running.bot.deps.store;
    const nothing = await call(b, "POST", "/again", { token: alice, body: {} });
    expect(nothing).toMatchObject({ status: 422, error: { code: "no_earlier_request" } });
    expect(store.list({ includeEnded: true })).toEqual([]);

    const first = await readyViaApi(b, alice, { serverType: "cx33", location: "hel1", hours: 3 });
    const notYours = await call(b, "POST", "/again", { token: tokenFor(b, BOB), body: { user: ALICE } });
    expect(notYours).toMatchObject({ status: 403, error: { code: "forbidden" } });
    expect(store.list({ includeEnded: true }).map((i) => i.id)).toEqual([first]);

    const again = await call(b, "POST", "/again", { token: alice, body: {} });
    expect(again.status).toBe(202);
    const made = instanceSchema.parse(again.json);
    expect(made).toMatchObject({ owner: ALICE, status: "creating", serverType: "cx33", location: "hel1" });
    expect(made.id).not.toBe(first);
    await waitForState(() => store.get(made.id)?.status === "ready", 15_000, `${made.id} ready`);

    // Under the owner's quota like any request: two live machines are the most.
    const over = await call(b, "POST", "/again", { token: alice, body: {} });
    expect(over).toMatchObject({ status: 422, error: { code: "quota_exceeded" } });
    expect((await call(b, "DELETE", `/instances/${first}`, { token: alice })).status).toBe(200);
    const byAdmin = await call(b, "POST", "/again", { token: tokenFor(b, ADMIN), body: { user: ALICE } });
    expect(byAdmin.status).toBe(202);
    expect(instanceSchema.parse(byAdmin.json).owner).toBe(ALICE);
    await b.running.bot.tasks.idle();
  });
});

describe("the HTTP API's work volumes", () => {
  it("provisions with a work volume and software, lists it, and deletes it only when free and yours", async () => {
    const alice = tokenFor(b, ALICE);
    const bob = tokenFor(b, BOB);
    const badSize = await call(b, "POST", "/instances", {
      token: alice,
      body: { sshKey: makeKeyPair().publicKey, keepWork: true, volumeGb: 100_000 },
    });
    expect(badSize).toMatchObject({ status: 422, error: { field: "volumeGb" } });
    expect(b.h.cloud.volumes()).toEqual([]);

    const id = await readyViaApi(b, alice, { keepWork: true, volumeGb: 20, packages: "python3,go" });
    expect(b.h.cloud.servers().find((s) => s.name === id)?.volumes).toHaveLength(1);
    expect(b.running.bot.deps.store.require(id).packages).toEqual(["python3", "go"]);
    const listed = await call(b, "GET", "/volumes", { token: alice });
    expect(listed.status).toBe(200);
    const [volume] = volumeListSchema.parse(listed.json);
    expect(volume).toMatchObject({
      owner: ALICE,
      sizeGb: 20,
      location: "fsn1",
      attachedTo: id,
      deleteAfter: null,
    });
    const vid = volume?.id ?? 0;

    expect(await call(b, "GET", "/volumes", { token: bob })).toMatchObject({ status: 200, json: [] });
    expect((await call(b, "GET", "/volumes?all=true", { token: bob })).status).toBe(403);
    expect((await call(b, "GET", `/volumes?user=${ALICE}`, { token: bob })).status).toBe(403);
    expect(await call(b, "GET", "/volumes?all=maybe", { token: alice })).toMatchObject({
      status: 422,
      error: { field: "all" },
    });
    const notYours = await call(b, "DELETE", `/volumes/${vid}`, { token: bob });
    expect(notYours).toMatchObject({ status: 403, error: { code: "forbidden" } });
    const attached = await call(b, "DELETE", `/volumes/${vid}`, { token: alice });
    expect(attached).toMatchObject({ status: 409, error: { code: "volume_attached" } });
    const badId = await call(b, "DELETE", "/volumes/abc", { token: alice });
    expect(badId).toMatchObject({ status: 422, error: { field: "id" } });
    const unknown = await call(b, "DELETE", "/volumes/999999", { token: alice });
    expect(unknown.status).toBe(404);
    expect(b.h.cloud.volumes()).toHaveLength(1);

    expect((await call(b, "DELETE", `/instances/${id}`, { token: alice })).status).toBe(200);
    await waitForState(() => b.h.cloud.volumes()[0]?.server === null, 15_000, "the volume detached");
    const deleted = await call(b, "DELETE", `/volumes/${vid}`, { token: alice });
    expect(deleted).toMatchObject({ status: 200, json: { kind: "deleted", id: vid, owner: ALICE } });
    expect(b.h.cloud.volumes()).toEqual([]);
    expect(await call(b, "GET", "/volumes", { token: alice })).toMatchObject({ status: 200, json: [] });
  });
});
