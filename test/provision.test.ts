import { describe, expect, it } from "vitest";
import { deprovision } from "../src/commands/deprovision.ts";
import { extend } from "../src/commands/extend.ts";
import { list } from "../src/commands/list.ts";
import { provision } from "../src/commands/provision.ts";
import { status } from "../src/commands/status.ts";
import { holdCalls } from "./helpers/hold.ts";
import { makeKeyPair } from "./helpers/keys.ts";
import { useHarness } from "./helpers/use-harness.ts";

const h = useHarness();

const alice = { id: "alice", isAdmin: false };

describe("provision → list → extend → status → deprovision", () => {
  it("builds a ready machine with the user's key and deletes it again", async () => {
    const key = makeKeyPair("alice@laptop").publicKey;
    const steps: string[] = [];
    const ctx = { deps: h.deps, actor: alice };
    const ready = await provision(ctx, { owner: "alice", sshKey: key, hours: "2" }, (p) =>
      steps.push(p.step),
    );

    expect(ready.status).toBe("ready");
    expect(steps).toEqual(["creating_server", "waiting_for_ssh", "installing", "ready"]);
    const [server] = h.cloud.servers();
    expect(server?.name).toBe(ready.id);
    expect(server?.labels).toMatchObject({ "managed-by": "ccc", "ccc-instance": ready.id });
    expect(ready.ipv4).toBe(server?.public_net.ipv4.ip);

    const [call] = h.installer.calls();
    expect(call?.argv).toEqual([
      "--flake",
      `path:${h.deps.paths.instancesDir}/${ready.id}#cloud-instance`,
      "--target-host",
      `root@${ready.ipv4}`,
      "-i",
      h.env.CCC_OPERATOR_SSH_KEY,
      "--ssh-port",
      String(h.ssh.port),
      "--extra-files",
      `${h.deps.paths.instancesDir}/${ready.id}.extra-files`,
    ]);
    expect(JSON.parse(call?.instanceJson ?? "{}")).toMatchObject({ instanceId: ready.id, userSshKey: key });

    expect(list(ctx, {}).instances.map((i) => i.id)).toEqual([ready.id]);
    const extended = await extend(ctx, { id: ready.id, hours: 1 });
    expect(extended.expiresAt.getTime() - ready.expiresAt.getTime()).toBe(3_600_000);
    expect(h.cloud.servers()[0]?.labels["ccc-expires-at"]).toBe(String(extended.expiresAt.getTime() / 1000));
    expect(status(ctx, { id: ready.id }).instance.status).toBe("ready");

    const gone = await deprovision(ctx, { id: ready.id });
    expect(gone.instance.status).toBe("deleted");
    expect(h.cloud.servers()).toEqual([]);
    expect(h.deps.store.events(ready.id).map((e) => e.kind)).toEqual([
      "requested",
      "server_created",
      "installing",
      "ready",
      "extended",
      "deleting",
      "deleted",
    ]);
  });
});

describe("Arm server types", () => {
  it("records a machine deleted once when two deletes run at the same time (two clicks, or a click and the sweep)", async () => {
    const ctx = { deps: h.deps, actor: alice };
    const ready = await provision(ctx, { owner: "alice", sshKey: makeKeyPair().publicKey, hours: "2" });
    const both = await Promise.all([deprovision(ctx, { id: ready.id }), deprovision(ctx, { id: ready.id })]);
    expect(both.map((r) => r.instance.status)).toEqual(["deleted", "deleted"]);
    expect(both.filter((r) => r.changed)).toHaveLength(1);
    expect(h.deps.store.events(ready.id).filter((e) => e.kind === "deleted")).toHaveLength(1);
    expect(h.cloud.servers()).toEqual([]);
  });

  it("get an aarch64-linux system, built on the target when this machine cannot build it", async () => {
    const ctx = { deps: h.deps, actor: alice };
    const ready = await provision(ctx, {
      owner: "alice",
      sshKey: makeKeyPair().publicKey,
      serverType: "cax11",
      location: "fsn1",
    });
    const [call] = h.installer.calls();
    expect(JSON.parse(call?.instanceJson ?? "{}").system).toBe("aarch64-linux");
    const cross = process.arch !== "arm64";
    expect(call?.argv.join(" ").includes("--build-on remote")).toBe(cross);
    await deprovision(ctx, { id: ready.id });
  });
});

describe("an extend while the machine is being built", () => {
  it("reaches the server's label and the machine's instance.json", async () => {
    const ctx = { deps: h.deps, actor: alice };
    const create = holdCalls(h.deps.cloud, "createServer");
    const building = provision(ctx, { owner: "alice", sshKey: makeKeyPair().publicKey, hours: 1 });
    await create.reached;
    const [recorded] = h.deps.store.list();
    const extended = await extend(ctx, { id: recorded?.id ?? "", hours: 2 });
    create.release();
    const ready = await building;
    expect(ready.expiresAt).toEqual(extended.expiresAt);
    expect(h.cloud.servers()[0]?.labels["ccc-expires-at"]).toBe(String(extended.expiresAt.getTime() / 1000));
    const instanceJson = JSON.parse(h.installer.calls()[0]?.instanceJson ?? "{}");
    expect(instanceJson.expiresAt).toBe(extended.expiresAt.toISOString().replace(".000Z", "Z"));
    await deprovision(ctx, { id: ready.id });
  });
});
