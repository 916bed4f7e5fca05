// Restore: a server from the snapshot's image (no installer), the saved machine's host key pinned and
// shown by a real OpenSSH server, and the new expiry and the owner's current key sent through
// ccc-apply. Bad requests are refused before anything is created.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { restoreCommand } from "../../src/commands/restore.ts";
import type { CoreDeps } from "../../src/core/deps.ts";
import { ForbiddenError, NotFoundError, QuotaError } from "../../src/core/errors.ts";
import type { Actor } from "../../src/core/instances/actor.ts";
import { deprovision } from "../../src/core/instances/deprovision.ts";
import { generateHostKey, type HostKeyPair, hostKeyFingerprint } from "../../src/core/machine/host-key.ts";
import { saveMachine } from "../../src/core/snapshots/save.ts";
import type { FakeServer } from "../../stand-ins/fake-hetzner.ts";
import { FAKE_CCC_APPLY, type FakeSshd, sshdMissingReason, startSshd } from "../../stand-ins/sshd.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { plant } from "../lifecycle/world.ts";
import { caught } from "./fixtures.ts";

const ALICE: Actor = { id: "U0ALICE", isAdmin: false };
const BOB: Actor = { id: "U0BOB", isAdmin: false };

let h: Harness;
let deps: CoreDeps;
let hostKey: HostKeyPair;
const machines: Promise<FakeSshd>[] = [];

beforeEach(async () => {
  hostKey = generateHostKey("root@saved");
  // SSH answers only on servers booted from a snapshot, with the saved machine's host key.
  h = await startHarness({
    manualSsh: true,
    cloud: {
      onServerRunning: (server: FakeServer) => {
        if (server.image.type !== "snapshot") return;
        machines.push(
          startSshd({
            authorizedKeys: [deps.operatorKey.publicKey],
            hostKey,
            forced: { program: FAKE_CCC_APPLY, root: join(h.dir, "machine") },
            host: server.public_net.ipv4.ip,
            port: deps.timing.sshPort,
          }),
        );
      },
    },
  });
  deps = h.deps;
});

afterEach(async () => {
  await Promise.all(machines.splice(0).map(async (m) => (await m).stop()));
  await h.close();
});

const ctx = (actor: Actor) => ({ deps, actor });

/** Alice's machine, saved: its snapshot id. */
async function saved(): Promise<string> {
  const { instance } = await plant(deps, { owner: ALICE.id, minutes: 120 });
  deps.store.update(instance.id, { hostKey: hostKey.publicKey }, { actor: "test", kind: "installed" });
  const result = await saveMachine(deps, ALICE, instance.id);
  expect(result.kind).toBe("saved");
  return instance.id;
}

/** Alice used another key since: the restored machine must take that one. */
function newerKey(): string {
  const key = makeKeyPair("alice@new-laptop").publicKey;
  const at = new Date(deps.clock.now().getTime() + 1_000);
  const row = deps.store.add(
    {
      id: "ccc-newkey",
      owner: ALICE.id,
      ownerEmail: null,
      sshKeys: [key],
      sshKeyFingerprint: "SHA256:new",
      serverType: "cx23",
      location: "fsn1",
      createdAt: at,
      expiresAt: new Date(at.getTime() + 3_600_000),
    },
    { actor: "test", kind: "requested" },
  );
  deps.store.update(row.id, { status: "failed" }, { actor: "test", kind: "failed" });
  return key;
}

const servers = () => h.cloud.requests.filter((r) => r.method === "POST" && r.path === "/servers");

describe.skipIf(sshdMissingReason !== null)("restore", () => {
  it("boots the snapshot, pins the saved host key and pushes the new expiry and the owner's key", async () => {
    const id = await saved();
    const key = newerKey();
    const imageId = deps.store.snapshots.get(id)?.imageId;
    const lines: string[] = [];
    const shown = await restoreCommand.execute(
      { ...ctx(ALICE), report: (line) => lines.push(line) },
      { snapshot: id, hours: 2 },
    );
    const { id: restored } = shown.json() as { id: string };
    // Its own steps, each with the time since it began, as the terminal shows them; no "installing".
    expect(lines.slice(1).map((l) => l.replace(/^\[ *\d+\.\ds\] /, ""))).toEqual([
      `${restored}: Creating the server from the snapshot's image`,
      `${restored}: Waiting for the restored server to boot (SSH)`,
      `${restored}: Restoring its state: the new expiry and your SSH key`,
      `${restored}: Ready`,
    ]);
    expect(lines.slice(1).every((l) => /^\[ *\d+\.\ds\] /.test(l))).toBe(true);
    expect(lines.join("\n")).not.toMatch(/install/i);
    const instance = deps.store.require(restored);
    expect(instance).toMatchObject({
      status: "ready",
      owner: ALICE.id,
      hostKey: hostKey.publicKey,
      sshKeys: [key],
    });
    expect(servers().at(-1)?.body).toMatchObject({ image: String(imageId), name: restored });
    expect(h.installer.calls()).toEqual([]);

    const state = JSON.parse(readFileSync(join(h.dir, "machine/var/lib/cloud-instance/state.json"), "utf8"));
    expect(state).toEqual({
      version: 1,
      // The disk knows itself by the saved machine's id, and keeps doing so.
      instanceId: id,
      owner: ALICE.id,
      expiresAt: instance.expiresAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
      authorizedKeys: [key],
    });
    expect(deps.store.snapshots.machineIdOf(restored)).toBe(id);
    const sshd = await machines[0];
    expect(sshd?.sessions().map((s) => s.command)).toEqual(["ccc-apply"]);
    const text = shown.text({ now: deps.clock.now(), actor: ALICE });
    expect(text).toContain(`Restored ${id} as ${restored}`);
    expect(text).toContain(hostKey.publicKey);
    expect(
      shown
        .blocks({ now: deps.clock.now(), actor: ALICE })
        .blocks.map((b) => JSON.stringify(b))
        .join(),
    ).toContain(hostKeyFingerprint(hostKey.publicKey));
    await deprovision(deps, ALICE, restored);
  });

  it("fails and removes the server when the machine shows another host key", async () => {
    const id = await saved();
    hostKey = generateHostKey("root@impostor");
    const error = await caught(() => restoreCommand.execute(ctx(ALICE), { snapshot: id }));
    expect(String(error)).toMatch(/host key/i);
    const [row] = deps.store
      .list({ owner: ALICE.id, includeEnded: true })
      .filter((i) => i.status === "failed" && i.id !== "ccc-newkey");
    expect(row).toBeDefined();
    expect(h.cloud.servers()).toEqual([]);
  });
});

describe("restore refuses", () => {
  it("someone else's or an unknown snapshot, the wrong architecture, too small a disk and a full quota", async () => {
    const id = await saved();
    const before = servers().length;
    expect(await caught(() => restoreCommand.execute(ctx(BOB), { snapshot: id }))).toBeInstanceOf(
      ForbiddenError,
    );
    expect(await caught(() => restoreCommand.execute(ctx(ALICE), { snapshot: "ccc-zzzzzz" }))).toBeInstanceOf(
      NotFoundError,
    );
    expect(
      await caught(() => restoreCommand.execute(ctx(ALICE), { snapshot: id, serverType: "cax11" })),
    ).toMatchObject({
      code: "wrong_architecture",
      field: "serverType",
    });
    deps.store.snapshots.available(id, { imageSizeGb: 1.5, diskGb: 80, architecture: "x86" });
    const small = await caught(() => restoreCommand.execute(ctx(ALICE), { snapshot: id }));
    expect(small).toMatchObject({ code: "disk_too_small" });
    expect((small as Error).message).toContain("at least 80 GB");
    deps.store.snapshots.available(id, { imageSizeGb: 1.5, diskGb: 40, architecture: "x86" });

    const live = [
      await plant(deps, { owner: ALICE.id, minutes: 60 }),
      await plant(deps, { owner: ALICE.id, minutes: 60 }),
    ];
    expect(await caught(() => restoreCommand.execute(ctx(ALICE), { snapshot: id }))).toBeInstanceOf(
      QuotaError,
    );
    expect(servers().length).toBe(before + 2);
    expect(deps.store.list({ owner: ALICE.id })).toHaveLength(2);
    for (const { instance } of live) await deprovision(deps, ALICE, instance.id);
  });
});
