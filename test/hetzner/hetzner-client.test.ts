import { afterEach, describe, expect, it, vi } from "vitest";
import { ExternalError } from "../../src/core/errors.ts";
import { type FakeHetzner, type FakeHetznerOptions, startFakeHetzner } from "../../stand-ins/fake-hetzner.ts";
import { clientFor, serverInput } from "./helpers.ts";

let fake: FakeHetzner;
afterEach(() => fake?.close());

async function start(options: FakeHetznerOptions = {}) {
  fake = await startFakeHetzner(options);
  return clientFor(fake);
}

describe("HetznerClient servers", () => {
  it("creates a server with the bearer token and maps the answer", async () => {
    const { client } = await start();
    const created = await client.createServer({
      ...serverInput("ccc-abc234", { "managed-by": "ccc" }),
      sshKeys: [],
    });

    expect(created.server).toMatchObject({
      name: "ccc-abc234",
      status: "initializing",
      serverType: "cx23",
      location: "fsn1",
      ipv4: "127.0.0.2",
      labels: { "managed-by": "ccc" },
    });
    expect(created.server.created).toBeInstanceOf(Date);
    expect(created.action).toMatchObject({ command: "create_server", status: "running", error: null });
    expect(created.nextActions.map((a) => a.command)).toEqual(["start_server"]);
    expect(fake.requests).toEqual([
      {
        method: "POST",
        path: "/servers",
        query: {},
        body: {
          name: "ccc-abc234",
          server_type: "cx23",
          image: "debian-12",
          location: "fsn1",
          ssh_keys: [],
          labels: { "managed-by": "ccc" },
          start_after_create: true,
        },
      },
    ]);
  });

  it("gets a server, and null for one that does not exist", async () => {
    const { client } = await start();
    const { server } = await client.createServer(serverInput("one"));

    expect(await client.getServer(server.id)).toMatchObject({ id: server.id, name: "one" });
    expect(await client.getServer(999_999)).toBeNull();
  });

  it("lists every page of servers matching a label selector", async () => {
    const { client } = await start();
    for (let i = 0; i < 120; i++) await client.createServer(serverInput(`ccc-${i}`, { "managed-by": "ccc" }));
    await client.createServer(serverInput("other", { "managed-by": "someone-else" }));
    await client.createServer(serverInput("unlabelled"));
    fake.requests.length = 0;

    const servers = await client.listServers("managed-by=ccc");

    expect(servers).toHaveLength(120);
    expect(new Set(servers.map((s) => s.name)).size).toBe(120);
    expect(fake.requests.map((r) => r.query)).toEqual([
      { label_selector: "managed-by=ccc", page: "1", per_page: "50" },
      { label_selector: "managed-by=ccc", page: "2", per_page: "50" },
      { label_selector: "managed-by=ccc", page: "3", per_page: "50" },
    ]);
    expect(await client.listServers()).toHaveLength(122);
  });

  it("deletes a server, reports one being deleted as deleting and one deleted as gone", async () => {
    const { client } = await start({ actionDurations: { delete_server: 60_000 } });
    const { server } = await client.createServer(serverInput("doomed"));

    const action = await client.deleteServer(server.id);
    expect(action).toMatchObject({ command: "delete_server" });
    expect(fake.servers()).toEqual([]);
    // Hetzner refuses the second DELETE as locked while the first runs: that is no failure.
    expect(await client.deleteServer(server.id)).toBe("deleting");
    expect(fake.requests.slice(-2).map((r) => `${r.method} ${r.path}`)).toEqual([
      `DELETE /servers/${server.id}`,
      `GET /servers/${server.id}`,
    ]);
    fake.settle("delete_server");
    expect(await client.deleteServer(server.id)).toBe("gone");
  });

  it("takes a delete whose answer was lost and whose retry is refused as locked for done", async () => {
    const { client } = await start({ actionDurations: { delete_server: 60_000 } });
    const { server } = await client.createServer(serverInput("lost"));
    fake.failNext({ method: "DELETE" }, { lostAnswer: true });

    expect(await client.deleteServer(server.id)).toBe("deleting");
    expect(fake.deletingServers().map((s) => s.id)).toEqual([server.id]);
  });

  it("throws locked when another action holds the server", async () => {
    const { client } = await start({ actionDurations: { create_image: 60_000 } });
    const { server } = await client.createServer(serverInput("busy"));
    // A snapshot in progress locks the server.
    await fetch(`${fake.url}/servers/${server.id}/actions/create_image`, {
      method: "POST",
      headers: { authorization: `Bearer ${fake.token}`, "content-type": "application/json" },
      body: JSON.stringify({ type: "snapshot" }),
    });

    const error = await client.deleteServer(server.id).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "locked", status: 423 });
    expect(fake.servers().map((s) => s.id)).toEqual([server.id]);
  });

  it("replaces a server's labels", async () => {
    const { client } = await start();
    const { server } = await client.createServer(serverInput("labelled", { a: "1", b: "2" }));

    const updated = await client.setServerLabels(server.id, { a: "3" });

    expect(updated.labels).toEqual({ a: "3" });
    expect(fake.servers()[0]?.labels).toEqual({ a: "3" });
    expect(fake.requests.at(-1)).toMatchObject({ method: "PUT", body: { labels: { a: "3" } } });
  });
});

describe("HetznerClient actions", () => {
  it("waits for the create action and sees the server running", async () => {
    const { client, clock } = await start({ actionDurationMs: 30 });
    const created = await client.createServer(serverInput("booting"));

    const done = await client.waitForAction(created.action.id);

    expect(done).toMatchObject({ id: created.action.id, status: "success", progress: 100 });
    expect((await client.getServer(created.server.id))?.status).toBe("running");
    const polls = fake.requests.filter((r) => r.path === `/actions/${created.action.id}`);
    expect(polls.length).toBe(clock.sleeps.length);
    expect(polls.length).toBeGreaterThan(0);
    // How many polls fit in 30 ms depends on the machine's load; their spacing does not.
    expect(clock.sleeps).toEqual([5, 8, 11, 17, 20, 20, 20, 20, 20, 20].slice(0, clock.sleeps.length));
  });

  it("throws the action's error when it fails", async () => {
    const { client } = await start({
      actionDurationMs: 10,
      createActionError: { code: "server_create_failed", message: "no capacity in fsn1" },
    });
    const created = await client.createServer(serverInput("unlucky"));

    const error = await client.waitForAction(created.action.id).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ExternalError);
    expect(error).toMatchObject({
      source: "hetzner",
      code: "server_create_failed",
      message: "no capacity in fsn1",
    });
    expect((await client.getServer(created.server.id))?.status).toBe("off");
  });

  it("stops waiting when aborted", async () => {
    const { client } = await start({ actionDurationMs: 10_000 });
    const created = await client.createServer(serverInput("slow"));
    const controller = new AbortController();
    const waiting = client.waitForAction(created.action.id, controller.signal);
    // Abort once it has looked at the (still running) action.
    await vi.waitFor(
      () => expect(fake.requests.filter((r) => r.path.startsWith("/actions"))).not.toEqual([]),
      { timeout: 10_000 },
    );
    controller.abort(new Error("user gave up"));

    await expect(waiting).rejects.toThrow("user gave up");
  });
});

describe("HetznerClient catalogue", () => {
  it("lists server types with gross prices, deprecation and where they are offered", async () => {
    const { client } = await start();
    const types = await client.listServerTypes();

    expect(types.map((t) => t.name).sort()).toEqual(["cax11", "ccx13", "cpx22", "cx22", "cx23", "cx33"]);
    const cax11 = types.find((t) => t.name === "cax11");
    expect(cax11).toMatchObject({
      architecture: "arm",
      cores: 2,
      memoryGb: 4,
      diskGb: 40,
      deprecated: false,
    });
    expect(cax11?.locations).toEqual(["fsn1", "nbg1", "hel1"]);
    const price = cax11?.prices.find((p) => p.location === "fsn1");
    expect(price?.hourly).toMatch(/^\d+\.\d{10}$/);
    expect(Number(price?.monthly)).toBeGreaterThan(Number(price?.hourly));
    const cx22 = types.find((t) => t.name === "cx22");
    expect(cx22).toMatchObject({ deprecated: true, locations: [] });
    expect(fake.requests.map((r) => `${r.path}?${new URLSearchParams(r.query)}`)).toEqual([
      "/server_types?page=1&per_page=50",
    ]);
  });

  it("lists locations", async () => {
    const { client } = await start();
    const locations = await client.listLocations();

    expect(locations.map((l) => l.name)).toEqual(["fsn1", "nbg1", "hel1", "ash"]);
    expect(locations.find((l) => l.name === "ash")).toEqual({
      name: "ash",
      description: "Ashburn, VA",
      city: "Ashburn, VA",
      country: "US",
      networkZone: "us-east",
    });
  });
});
