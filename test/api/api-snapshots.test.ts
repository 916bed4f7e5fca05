// Save, snapshots and restore over real HTTP with real tokens: the long ones answer 202 once checked
// and recorded and go on in the background; another person's machine or snapshot is refused.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HOST_KEY_FILE } from "../../src/core/machine/extra-files.ts";
import {
  restoredSchema,
  snapshotActionSchema,
  snapshotListSchema,
  snapshotSchema,
} from "../../src/render/schemas/response-schemas.ts";
import type { FakeServer } from "../../stand-ins/fake-hetzner.ts";
import { FAKE_CCC_APPLY, type FakeSshd, sshdMissingReason, startSshd } from "../../stand-ins/sshd.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { ALICE, BOB, type BotHarness } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { call, readyViaApi, tokenFor } from "./api-client.ts";

const b = useBotHarness();

/** Saves Alice's ready machine through the API and waits until the snapshot is made. */
async function savedViaApi(token: string): Promise<string> {
  const id = await readyViaApi(b, token);
  const started = await call(b, "POST", `/instances/${id}/save`, { token });
  expect(started.status).toBe(202);
  expect(snapshotSchema.parse(started.json)).toMatchObject({ id, owner: ALICE, status: "saving" });
  const store = b.running.bot.deps.store;
  await waitForState(() => store.get(id)?.status === "deleted", 15_000, `${id} saved and deleted`);
  expect(store.snapshots.get(id)?.status).toBe("available");
  return id;
}

describe("the HTTP API's snapshots", () => {
  it("saves in the background, lists, keeps and deletes a snapshot, refusing another person on each", async () => {
    const alice = tokenFor(b, ALICE);
    const bob = tokenFor(b, BOB);
    const store = b.running.bot.deps.store;
    const live = await readyViaApi(b, alice);
    const notYours = await call(b, "POST", `/instances/${live}/save`, { token: bob });
    expect(notYours).toMatchObject({ status: 403, error: { code: "forbidden" } });
    expect(store.snapshots.get(live)).toBeNull();
    expect((await call(b, "POST", "/instances/nope/save", { token: alice })).status).toBe(422);
    expect((await call(b, "DELETE", `/instances/${live}`, { token: alice })).status).toBe(200);
    const gone = await call(b, "POST", `/instances/${live}/save`, { token: alice });
    expect(gone).toMatchObject({ status: 409, error: { code: "not_ready" } });

    const id = await savedViaApi(alice);
    const mine = await call(b, "GET", "/snapshots", { token: alice });
    expect(mine.status).toBe(200);
    expect(snapshotListSchema.parse(mine.json).map((s) => [s.id, s.status])).toEqual([[id, "available"]]);
    expect(await call(b, "GET", "/snapshots", { token: bob })).toMatchObject({ status: 200, json: [] });
    expect((await call(b, "GET", "/snapshots?all=true", { token: bob })).status).toBe(403);
    expect((await call(b, "GET", `/snapshots?user=${ALICE}`, { token: bob })).status).toBe(403);
    expect((await call(b, "GET", "/snapshots?all=maybe", { token: alice })).status).toBe(422);

    const before = store.snapshots.get(id);
    for (const [method, path, body] of [
      ["POST", `/snapshots/${id}/keep`, undefined],
      ["DELETE", `/snapshots/${id}`, undefined],
      ["POST", `/snapshots/${id}/restore`, { hours: 1 }],
    ] as const) {
      const refused = await call(b, method, path, { token: bob, body });
      expect(refused, `${method} ${path}`).toMatchObject({ status: 403, error: { code: "forbidden" } });
    }
    expect(store.snapshots.get(id)).toEqual(before);

    const kept = await call(b, "POST", `/snapshots/${id}/keep`, { token: alice });
    expect(kept.status).toBe(200);
    expect(snapshotActionSchema.parse(kept.json)).toMatchObject({ id, action: "keep", status: "available" });
    const deleted = await call(b, "DELETE", `/snapshots/${id}`, { token: alice });
    expect(deleted.status).toBe(200);
    expect(snapshotActionSchema.parse(deleted.json)).toMatchObject({
      id,
      action: "delete",
      status: "deleted",
    });
    expect(b.h.cloud.images().filter((i) => i.type === "snapshot")).toEqual([]);
    const again = await call(b, "DELETE", `/snapshots/${id}`, { token: alice });
    expect(again).toMatchObject({ status: 404, error: { code: "not_found" } });
    expect((await call(b, "DELETE", "/snapshots/nope", { token: alice })).status).toBe(422);
    expect(await call(b, "POST", "/snapshots/nope/keep", { token: alice })).toMatchObject({
      status: 422,
      error: { field: "id" },
    });
  });

  it("restores in the background from the snapshot's image, and refuses bad input creating nothing", async () => {
    const alice = tokenFor(b, ALICE);
    const store = b.running.bot.deps.store;
    const id = await savedViaApi(alice);
    const servers = () => b.h.cloud.servers().length;
    const before = servers();
    for (const body of [{ hours: 1000 }, { serverType: "zz99" }, { hours: "soon" }]) {
      const refused = await call(b, "POST", `/snapshots/${id}/restore`, { token: alice, body });
      expect(refused.status, JSON.stringify(body)).toBe(422);
    }
    const unknown = await call(b, "POST", "/snapshots/ccc-zzzzzz/restore", { token: alice, body: {} });
    expect(unknown.status).toBe(404);
    expect(servers()).toBe(before);
    expect(store.list({ includeEnded: true })).toHaveLength(1);

    const started = await call(b, "POST", `/snapshots/${id}/restore`, { token: alice, body: { hours: 2 } });
    expect(started.status).toBe(202);
    const restored = restoredSchema.parse(started.json);
    expect(restored).toMatchObject({
      owner: ALICE,
      status: "creating",
      restoredFrom: id,
      serverType: "cx23",
    });
    expect(restored.id).not.toBe(id);
    const image = store.snapshots.get(id)?.imageId;
    await waitForState(
      () => b.h.cloud.servers().find((s) => s.name === restored.id)?.image.id === image,
      15_000,
      "a server booted from the snapshot",
    );
    // No SSH answers here, so the build fails and cleans up; the next test lets it finish.
    await waitForState(() => store.get(restored.id)?.status === "failed", 15_000, `${restored.id} failed`);
    await b.running.bot.tasks.idle();
    expect(b.h.cloud.servers().find((s) => s.name === restored.id)).toBeUndefined();
  });
});

describe.skipIf(sshdMissingReason !== null)(
  "the HTTP API's restore, with SSH on the restored machine",
  () => {
    const machines: Promise<FakeSshd>[] = [];
    // The banner answers provisioned machines; one booted from a snapshot gets a real OpenSSH server
    // with the saved machine's host key (which the stand-in installer wrote where it put the files).
    const r: BotHarness = useBotHarness(() => ({
      harness: {
        manualSsh: true,
        cloud: {
          onServerRunning: (server: FakeServer) => {
            const ip = server.public_net.ipv4.ip;
            if (server.image.type !== "snapshot") return void r.h.ssh.open(ip);
            const saved = r.running.bot.deps.store
              .list({ includeEnded: true })
              .find((i) => i.status === "deleted");
            const root = r.h.installer.targetRoot(saved?.ipv4 ?? "");
            machines.push(
              startSshd({
                authorizedKeys: [r.h.deps.operatorKey.publicKey],
                hostKey: {
                  privateKey: readFileSync(join(root, HOST_KEY_FILE), "utf8"),
                  publicKey: saved?.hostKey ?? "",
                },
                forced: { program: FAKE_CCC_APPLY, root: join(r.h.dir, "machine") },
                host: ip,
                port: r.h.deps.timing.sshPort,
              }),
            );
          },
        },
      },
    }));
    afterEach(async () => {
      await Promise.all(machines.splice(0).map(async (m) => (await m).stop()));
    });

    it("answers 202 and the machine becomes ready with the saved host key", async () => {
      const alice = tokenFor(r, ALICE);
      const id = await readyViaApi(r, alice);
      expect((await call(r, "POST", `/instances/${id}/save`, { token: alice })).status).toBe(202);
      const store = r.running.bot.deps.store;
      await waitForState(() => store.snapshots.get(id)?.status === "available", 15_000, `${id} saved`);
      await waitForState(() => store.get(id)?.status === "deleted", 15_000, `${id} deleted`);

      const started = await call(r, "POST", `/snapshots/${id}/restore`, { token: alice, body: { hours: 2 } });
      expect(started.status).toBe(202);
      const restored = restoredSchema.parse(started.json);
      await waitForState(() => store.get(restored.id)?.status === "ready", 15_000, `${restored.id} ready`);
      const shown = await call(r, "GET", `/instances/${restored.id}`, { token: alice });
      expect(shown.json).toMatchObject({ status: "ready", hostKey: store.require(id).hostKey });
      expect((await machines[0])?.sessions().map((s) => s.command)).toEqual(["ccc-apply"]);
      expect((await call(r, "DELETE", `/instances/${restored.id}`, { token: alice })).status).toBe(200);
    });
  },
);
