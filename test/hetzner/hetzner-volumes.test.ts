import { afterEach, describe, expect, it } from "vitest";
import { type FakeHetzner, type FakeHetznerOptions, startFakeHetzner } from "../../stand-ins/fake-hetzner.ts";
import { clientFor, serverInput } from "./helpers.ts";

let fake: FakeHetzner;
afterEach(() => fake?.close());

async function start(options: FakeHetznerOptions = {}) {
  fake = await startFakeHetzner(options);
  return clientFor(fake).client;
}

describe("HetznerClient volumes", () => {
  it("creates a volume in a location, gets it, and lists every page matching a label selector", async () => {
    const client = await start();
    const { volume, action, nextActions } = await client.volumes.create({
      name: "data-1",
      sizeGb: 10,
      location: "nbg1",
      format: "ext4",
      labels: { "managed-by": "ccc" },
    });

    expect(volume).toMatchObject({
      name: "data-1",
      sizeGb: 10,
      status: "creating",
      serverId: null,
      location: "nbg1",
      linuxDevice: `/dev/disk/by-id/scsi-0HC_Volume_${volume.id}`,
      format: "ext4",
      labels: { "managed-by": "ccc" },
    });
    expect(action.command).toBe("create_volume");
    expect(nextActions).toEqual([]);
    await client.waitForAction(action.id);
    expect(await client.volumes.get(volume.id)).toMatchObject({ status: "available" });
    expect(await client.volumes.get(999_999)).toBeNull();

    for (let i = 2; i <= 55; i++)
      await client.volumes.create({ name: `data-${i}`, sizeGb: 10, location: "nbg1" });
    await client.volumes.create({
      name: "other",
      sizeGb: 10,
      location: "nbg1",
      labels: { "managed-by": "x" },
    });
    fake.requests.length = 0;
    expect(await client.volumes.list()).toHaveLength(56);
    expect((await client.volumes.list("managed-by=ccc")).map((v) => v.name)).toEqual(["data-1"]);
    expect(fake.requests.map((r) => r.query.page)).toEqual(["1", "2", "1"]);
  });

  it("attaches a volume made for a server with a next action, locking the server meanwhile", async () => {
    const client = await start({ actionDurations: { attach_volume: 60_000 } });
    const { server } = await client.createServer(serverInput("with-volume"));
    const { volume, nextActions } = await client.volumes.create({
      name: "home",
      sizeGb: 20,
      serverId: server.id,
      automount: true,
    });

    expect(volume).toMatchObject({ location: "fsn1", serverId: server.id });
    expect(nextActions.map((a) => a.command)).toEqual(["attach_volume"]);
    expect(fake.servers()[0]?.volumes).toEqual([volume.id]);
    await expect(client.deleteServer(server.id)).rejects.toMatchObject({ code: "locked", status: 423 });
    fake.settle("attach_volume");
    expect(await client.deleteServer(server.id)).toMatchObject({ command: "delete_server" });
  });

  it("serves one server at a time, only in its own location, and is not deleted while attached", async () => {
    const client = await start();
    const { server: a } = await client.createServer(serverInput("a"));
    const { server: b } = await client.createServer(serverInput("b"));
    const { server: far } = await client.createServer({ ...serverInput("far"), location: "hel1" });
    const { volume } = await client.volumes.create({ name: "shared", sizeGb: 10, location: "fsn1" });

    await expect(client.volumes.attach(volume.id, far.id)).rejects.toMatchObject({
      code: "invalid_input",
      status: 422,
      message: "volume and server must be in the same location",
    });
    const attach = await client.volumes.attach(volume.id, a.id);
    await client.waitForAction(attach.id);
    await expect(client.volumes.attach(volume.id, b.id)).rejects.toMatchObject({
      code: "volume_already_attached",
      status: 422,
    });
    await expect(client.volumes.delete(volume.id)).rejects.toMatchObject({ code: "volume_already_attached" });

    await client.waitForAction((await client.volumes.detach(volume.id)).id);
    expect(await client.volumes.get(volume.id)).toMatchObject({ serverId: null });
    await expect(client.volumes.detach(volume.id)).rejects.toMatchObject({ code: "invalid_input" });
    expect(await client.volumes.delete(volume.id)).toBe("deleted");
    expect(await client.volumes.delete(volume.id)).toBe("gone");
  });

  it("refuses invalid input with 422 and the fields at fault, and a name twice", async () => {
    const client = await start();
    const error = await client.volumes
      .create({ name: "-bad", sizeGb: 5, location: "fsn1", automount: true })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "invalid_input", status: 422 });
    expect((error as Error).message).toBe("invalid input in fields 'name', 'size', 'automount'");
    await client.volumes.create({ name: "once", sizeGb: 10, location: "fsn1" });
    await expect(client.volumes.create({ name: "once", sizeGb: 10, location: "fsn1" })).rejects.toMatchObject(
      {
        code: "uniqueness_error",
      },
    );
    expect(fake.volumes()).toHaveLength(1);
  });

  it("attaches volumes given to a new server, and frees them when the server is deleted", async () => {
    const client = await start();
    const { volume } = await client.volumes.create({ name: "keep", sizeGb: 10, location: "fsn1" });
    const { volume: far } = await client.volumes.create({ name: "far", sizeGb: 10, location: "hel1" });

    await expect(
      client.createServer({ ...serverInput("wrong-place"), volumes: [far.id] }),
    ).rejects.toMatchObject({
      code: "invalid_input",
    });
    const { server } = await client.createServer({ ...serverInput("with-data"), volumes: [volume.id] });
    expect(fake.requests.at(-1)?.body).toMatchObject({ volumes: [volume.id] });
    expect(await client.volumes.get(volume.id)).toMatchObject({ serverId: server.id });
    await expect(
      client.createServer({ ...serverInput("thief"), volumes: [volume.id] }),
    ).rejects.toMatchObject({
      code: "volume_already_attached",
    });

    await client.deleteServer(server.id);
    fake.settle("delete_server");
    expect(await client.volumes.get(volume.id)).toMatchObject({ serverId: null });
  });

  it("retries a failed request and reports a failed attach action", async () => {
    const client = await start();
    const { server } = await client.createServer(serverInput("flaky"));
    fake.failNext({ method: "POST", path: "/volumes" }, { status: 503, code: "unavailable" });
    const { volume } = await client.volumes.create({ name: "v", sizeGb: 10, location: "fsn1" });
    expect(fake.volumes()).toHaveLength(1);

    fake.failNextAction("attach_volume", { code: "action_failed", message: "attach failed" });
    const attach = await client.volumes.attach(volume.id, server.id);
    await expect(client.waitForAction(attach.id)).rejects.toMatchObject({ code: "action_failed" });
    expect(await client.volumes.get(volume.id)).toMatchObject({ serverId: null });
  });
});
