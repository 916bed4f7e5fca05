import { afterEach, describe, expect, it } from "vitest";
import { type FakeHetzner, type FakeHetznerOptions, startFakeHetzner } from "../../stand-ins/fake-hetzner.ts";
import { clientFor, serverInput } from "./helpers.ts";

let fake: FakeHetzner;
afterEach(() => fake?.close());

async function start(options: FakeHetznerOptions = {}) {
  fake = await startFakeHetzner(options);
  return clientFor(fake).client;
}

describe("HetznerClient images", () => {
  it("snapshots a server: creating and the server locked until the action ends, then its size", async () => {
    const client = await start({ actionDurations: { create_image: 60_000 }, snapshotSizeGb: 2.25 });
    const { server } = await client.createServer(serverInput("source"));
    const { image, action } = await client.images.createSnapshot(server.id, {
      description: "before upgrade",
      labels: { "ccc-instance": "ccc-abc234" },
    });

    expect(image).toMatchObject({
      type: "snapshot",
      status: "creating",
      name: null,
      description: "before upgrade",
      architecture: "x86",
      imageSizeGb: null,
      diskSizeGb: 40,
      createdFrom: { id: server.id, name: "source" },
      labels: { "ccc-instance": "ccc-abc234" },
    });
    expect(fake.requests.at(-1)?.body).toEqual({
      type: "snapshot",
      description: "before upgrade",
      labels: { "ccc-instance": "ccc-abc234" },
    });
    expect(action.command).toBe("create_image");
    await expect(client.images.createSnapshot(server.id)).rejects.toMatchObject({ code: "locked" });
    await expect(client.deleteServer(server.id)).rejects.toMatchObject({ code: "locked" });

    fake.settle("create_image");
    expect(await client.waitForAction(action.id)).toMatchObject({ status: "success" });
    expect(await client.images.get(image.id)).toMatchObject({ status: "available", imageSizeGb: 2.25 });
  });

  it("lists by type and label selector, system images included", async () => {
    const client = await start();
    const { server } = await client.createServer(serverInput("source"));
    const { action } = await client.images.createSnapshot(server.id, { labels: { keep: "yes" } });
    await client.waitForAction(action.id);
    await client.waitForAction((await client.images.createSnapshot(server.id)).action.id);

    const system = await client.images.list({ type: ["system"] });
    expect(system.map((i) => `${i.name}/${i.architecture}`)).toContain("ubuntu-24.04/arm");
    expect(system.every((i) => i.type === "system")).toBe(true);
    expect(await client.images.list({ type: ["snapshot"] })).toHaveLength(2);
    expect(await client.images.list({ type: ["snapshot"], labelSelector: "keep=yes" })).toHaveLength(1);
    expect(fake.requests.at(-1)?.query).toEqual({
      type: "snapshot",
      label_selector: "keep=yes",
      page: "1",
      per_page: "50",
    });
  });

  it("creates a server from a snapshot of the same architecture only, and keeps it after its server", async () => {
    // The snapshot stays `creating` until the test ends its action: a busy machine cannot race the check.
    const client = await start({ actionDurations: { create_image: 60_000 } });
    const { server } = await client.createServer(serverInput("source"));
    const { image, action } = await client.images.createSnapshot(server.id);
    await expect(
      client.createServer({ ...serverInput("too-early"), image: String(image.id) }),
    ).rejects.toMatchObject({ code: "invalid_input", message: "image is not available" });
    fake.settle("create_image");
    await client.waitForAction(action.id);

    const { server: copy } = await client.createServer({ ...serverInput("copy"), image: String(image.id) });
    expect(fake.servers().find((s) => s.id === copy.id)?.image).toMatchObject({
      id: image.id,
      type: "snapshot",
    });
    await expect(
      client.createServer({ ...serverInput("arm-copy"), serverType: "cax11", image: String(image.id) }),
    ).rejects.toMatchObject({ code: "invalid_input", status: 422 });

    await client.deleteServer(server.id);
    fake.settle("delete_server");
    expect(await client.images.get(image.id)).toMatchObject({ status: "available" });
  });

  it("deletes a snapshot, reports it gone after, and refuses to delete a system image", async () => {
    const client = await start();
    const { server } = await client.createServer(serverInput("source"));
    const { image, action } = await client.images.createSnapshot(server.id);
    await client.waitForAction(action.id);

    expect(await client.images.delete(image.id)).toBe("deleted");
    expect(await client.images.delete(image.id)).toBe("gone");
    expect(await client.images.get(image.id)).toBeNull();
    const [system] = await client.images.list({ type: ["system"] });
    await expect(client.images.delete(system?.id ?? 0)).rejects.toMatchObject({ code: "unsupported_error" });
  });

  it("reports a failed snapshot action, leaving no image behind and the server free", async () => {
    const client = await start();
    const { server } = await client.createServer(serverInput("source"));
    fake.failNextAction("create_image", { code: "action_failed", message: "snapshot failed" });
    const { image, action } = await client.images.createSnapshot(server.id);

    await expect(client.waitForAction(action.id)).rejects.toMatchObject({ message: "snapshot failed" });
    expect(await client.images.get(image.id)).toBeNull();
    expect(await client.deleteServer(server.id)).toMatchObject({ command: "delete_server" });
  });
});

describe("HetznerClient pricing", () => {
  it("reads volume and snapshot prices, and server prices that agree with the server types'", async () => {
    const client = await start();
    const pricing = await client.pricing.get();

    expect(pricing).toMatchObject({ currency: "EUR", vatRate: "19.00" });
    expect(Number(pricing.volumePerGbMonth)).toBeCloseTo(0.044 * 1.19, 8);
    expect(Number(pricing.imagePerGbMonth)).toBeCloseTo(0.011 * 1.19, 8);
    const types = await client.listServerTypes();
    expect(pricing.serverTypes.map((t) => [t.name, t.prices])).toEqual(types.map((t) => [t.name, t.prices]));
  });
});
