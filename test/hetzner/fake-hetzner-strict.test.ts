import { afterEach, describe, expect, it, vi } from "vitest";
import { type FakeHetzner, type FakeHetznerOptions, startFakeHetzner } from "../../stand-ins/fake-hetzner.ts";

// The fake refuses and delays like the live API where ccc's decisions depend on it.

let fake: FakeHetzner;
afterEach(async () => {
  await fake?.close();
});

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
  json: any;
}

async function start(options: FakeHetznerOptions = {}) {
  fake = await startFakeHetzner(options);
  return async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const res = await fetch(`${fake.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${fake.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text === "" ? null : JSON.parse(text) };
  };
}

const server = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  server_type: "cx23",
  image: "ubuntu-24.04",
  location: "fsn1",
  ...extra,
});

describe("fake Hetzner deletes a server as the live API does", () => {
  it("keeps it listed, deleting and locked, until the delete action ends; a second DELETE is locked", async () => {
    const api = await start({ actionDurations: { delete_server: 60_000 } });
    const { json: created } = await api("POST", "/servers", server("doomed"));
    const id = created.server.id;

    const first = await api("DELETE", `/servers/${id}`);
    expect(first.status).toBe(200);
    expect(first.json.action).toMatchObject({ command: "delete_server", status: "running" });
    expect((await api("GET", `/servers/${id}`)).json.server).toMatchObject({
      status: "deleting",
      locked: true,
    });
    expect((await api("GET", "/servers")).json.servers.map((s: { id: number }) => s.id)).toEqual([id]);

    const second = await api("DELETE", `/servers/${id}`);
    expect(second.status).toBe(423);
    expect(second.json.error).toEqual({
      code: "locked",
      message: "cannot perform operation because server is locked",
      details: null,
    });
    expect(fake.servers()).toEqual([]);
    expect(fake.deletingServers().map((s) => s.id)).toEqual([id]);

    fake.settle("delete_server");
    expect((await api("GET", `/servers/${id}`)).json.error.code).toBe("not_found");
    expect((await api("GET", `/actions/${first.json.action.id}`)).json.action.status).toBe("success");
    expect((await api("DELETE", `/servers/${id}`)).status).toBe(404);
  });

  it("ends the delete on its own timer after the configured time", async () => {
    const api = await start({ actionDurations: { delete_server: 30 } });
    const { json } = await api("POST", "/servers", server("timed"));
    await api("DELETE", `/servers/${json.server.id}`);
    expect(fake.deletingServers()).toHaveLength(1);
    await vi.waitFor(() => expect(fake.deletingServers()).toEqual([]), { timeout: 10_000 });
    expect((await api("GET", `/servers/${json.server.id}`)).status).toBe(404);
  });

  it("never brings a server deleted during its create back to life", async () => {
    const running: string[] = [];
    const api = await start({ actionDurationMs: 60_000, onServerRunning: (s) => running.push(s.name) });
    const { json } = await api("POST", "/servers", server("short-lived"));
    await api("DELETE", `/servers/${json.server.id}`);
    fake.settle("create_server");
    expect(fake.deletingServers().map((s) => s.status)).toEqual(["deleting"]);
    fake.settle();
    expect(fake.deletingServers()).toEqual([]);
    expect(running).toEqual([]);
  });
});

describe("fake Hetzner answers a request it does not serve loudly", () => {
  it("answers an unknown path 404 unknown_route, never not_found, and records it", async () => {
    const api = await start();
    const answer = await api("POST", "/servers/1000/actions/poweroff");
    expect(answer.status).toBe(404);
    expect(answer.json.error.code).toBe("unknown_route");
    expect((await api("GET", "/servers/abc")).json.error.code).toBe("unknown_route");
    expect(fake.takeMistakes()).toEqual([
      "the fake Hetzner API has no route POST /servers/1000/actions/poweroff",
      "the fake Hetzner API has no route GET /servers/abc",
    ]);
  });

  it("answers a known path with a wrong method 405 method_not_allowed", async () => {
    const api = await start();
    const answer = await api("PATCH", "/servers/1000");
    expect(answer.status).toBe(405);
    expect(answer.json.error).toMatchObject({
      code: "method_not_allowed",
      message: "PATCH is not allowed on /servers/1000 (allowed: GET, PUT, DELETE)",
    });
    expect((await api("DELETE", "/servers")).status).toBe(405);
    expect(fake.takeMistakes()).toHaveLength(2);
  });

  it("records query parameters and body fields it does not model", async () => {
    const api = await start();
    expect((await api("GET", "/servers?colour=red")).status).toBe(200);
    await api("POST", "/servers", server("dc", { datacenter: "fsn1-dc14" }));
    expect(fake.takeMistakes()).toEqual([
      "GET /servers: unknown query parameter 'colour'",
      "POST /servers: unknown field 'datacenter'",
    ]);
  });

  it("fails close() while a mistake is left untaken", async () => {
    const api = await start();
    await api("GET", "/floating_ips");
    await expect(fake.close()).rejects.toThrow("no route GET /floating_ips");
    fake = await startFakeHetzner();
  });
});

describe("fake Hetzner validates like the live API", () => {
  it("answers invalid input 422 and an unknown image as the live API does", async () => {
    const api = await start();
    const bad = await api("POST", "/servers", server("Bad_Name"));
    expect(bad.status).toBe(422);
    expect(bad.json.error).toMatchObject({ code: "invalid_input", details: { fields: [{ name: "name" }] } });

    const unknown = await api("POST", "/servers", server("unknown-image", { image: "ubuntu-99.04" }));
    expect(unknown.status).toBe(422);
    expect(unknown.json.error).toEqual({ code: "invalid_input", message: "image not found", details: {} });
    expect(fake.servers()).toEqual([]);
  });

  it("boots a name on the server type's architecture and refuses an image id of another", async () => {
    const api = await start();
    const arm = await api("POST", "/servers", server("arm", { server_type: "cax11" }));
    expect(arm.json.server.image).toMatchObject({
      name: "ubuntu-24.04",
      architecture: "arm",
      type: "system",
    });

    const x86 = fake.images().find((i) => i.name === "ubuntu-24.04" && i.architecture === "x86");
    const mismatch = await api(
      "POST",
      "/servers",
      server("mismatch", { server_type: "cax11", image: x86?.id }),
    );
    expect(mismatch.status).toBe(422);
    expect(mismatch.json.error.message).toBe(
      "image architecture x86 does not match server type architecture arm",
    );
    const byIdText = await api("POST", "/servers", server("by-id", { image: String(x86?.id) }));
    expect(byIdText.json.server.image.id).toBe(x86?.id);
  });
});
