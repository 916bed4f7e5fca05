import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  type FakeHetzner,
  type FakeHetznerOptions,
  type FakeServer,
  startFakeHetzner,
} from "../../stand-ins/fake-hetzner.ts";
import { type SshBanner, startSshBanner } from "../../stand-ins/ssh-banner.ts";
import { newPublicKey } from "./helpers.ts";

// The fake stands in for Hetzner in every other test, so its own behaviour is pinned here.

let fake: FakeHetzner;
let ssh: SshBanner | undefined;
afterEach(async () => {
  await fake?.close();
  await ssh?.close();
  ssh = undefined;
});

/** The parts of Hetzner's answers these tests read. */
interface Answer {
  servers: { name: string }[];
  server: FakeServer;
  ssh_keys: unknown[];
  meta: { pagination: Record<string, unknown> };
  error: { code: string; message: string; details: { fields: { name: string }[] } | null };
}

async function start(options: FakeHetznerOptions = {}) {
  fake = await startFakeHetzner(options);
  return async (method: string, path: string, body?: unknown, token = fake.token) => {
    const res = await fetch(`${fake.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, json: (await res.json()) as Answer };
  };
}

const server = (name: string, labels: Record<string, string> = {}) => ({
  name,
  server_type: "cx23",
  image: "debian-12",
  location: "nbg1",
  labels,
});

describe("fake Hetzner", () => {
  it("filters servers by label selector", async () => {
    const api = await start();
    await api("POST", "/servers", server("a", { env: "prod", team: "x" }));
    await api("POST", "/servers", server("b", { env: "dev" }));
    await api("POST", "/servers", server("c", {}));
    const names = async (selector: string) =>
      (await api("GET", `/servers?label_selector=${encodeURIComponent(selector)}`)).json.servers.map(
        (s) => s.name,
      );

    expect(await names("env=prod")).toEqual(["a"]);
    expect(await names("env")).toEqual(["a", "b"]);
    expect(await names("!env")).toEqual(["c"]);
    expect(await names("env!=prod")).toEqual(["b", "c"]);
    expect(await names("env=prod,team=x")).toEqual(["a"]);
    expect(await names("env=prod,team=y")).toEqual([]);
    expect((await api("GET", "/servers?label_selector=%3D%3D")).json.error.code).toBe("invalid_input");
  });

  it("paginates with Hetzner's meta", async () => {
    const api = await start();
    for (let i = 0; i < 7; i++) await api("POST", "/servers", server(`s${i}`));

    const { json } = await api("GET", "/servers?page=2&per_page=3");

    expect(json.servers.map((s) => s.name)).toEqual(["s3", "s4", "s5"]);
    expect(json.meta.pagination).toEqual({
      page: 2,
      per_page: 3,
      previous_page: 1,
      next_page: 3,
      last_page: 3,
      total_entries: 7,
    });
  });

  it("validates a new server like the real API", async () => {
    const api = await start();
    const bad = await api("POST", "/servers", {
      name: "no_underscores",
      server_type: "cax11",
      location: "ash",
    });

    expect(bad.status).toBe(422);
    expect(bad.json.error.code).toBe("invalid_input");
    expect(bad.json.error.details?.fields.map((f) => f.name)).toEqual(["name", "image", "location"]);
    expect((await api("POST", "/servers", server("dup"))).status).toBe(201);
    expect((await api("POST", "/servers", server("dup"))).json.error.code).toBe("uniqueness_error");
    expect(fake.servers()).toHaveLength(1);
  });

  it("answers 401 to a wrong token and counts down the rate limit", async () => {
    const api = await start();
    const first = await api("GET", "/locations");
    const denied = await api("GET", "/locations", undefined, "nope");

    expect(denied.status).toBe(401);
    expect(denied.json.error).toEqual({
      code: "unauthorized",
      message: "unable to authenticate",
      details: null,
    });
    expect(first.headers.get("ratelimit-limit")).toBe("3600");
    expect(Number(denied.headers.get("ratelimit-remaining"))).toBe(
      Number(first.headers.get("ratelimit-remaining")) - 1,
    );
    expect(Number(first.headers.get("ratelimit-reset"))).toBeGreaterThanOrEqual(
      Math.floor(Date.now() / 1000),
    );
  });

  it("answers 429 once the hourly budget is spent", async () => {
    const api = await start({ rateLimit: 2 });
    expect((await api("GET", "/locations")).status).toBe(200);
    expect((await api("GET", "/locations")).status).toBe(200);
    const limited = await api("GET", "/locations");
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe("rate_limit_exceeded");
    expect(limited.headers.get("ratelimit-remaining")).toBe("0");
  });

  it("refuses a malformed or duplicate SSH key", async () => {
    const api = await start();
    const key = newPublicKey();
    expect((await api("POST", "/ssh_keys", { name: "k", public_key: "ssh-ed25519 AAAA" })).status).toBe(422);
    expect((await api("POST", "/ssh_keys", { name: "k", public_key: key })).status).toBe(201);
    const again = await api("POST", "/ssh_keys", { name: "k2", public_key: key });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({
      code: "uniqueness_error",
      details: { fields: [{ name: "public_key" }] },
    });
    expect((await api("GET", `/ssh_keys?name=k`)).json.ssh_keys).toHaveLength(1);
  });
});

describe("SSH banner with the fake", () => {
  it("refuses connections until the server runs, then speaks SSH", async () => {
    ssh = await startSshBanner();
    const banner = ssh;
    const running: string[] = [];
    const api = await start({
      actionDurationMs: 30,
      onServerRunning: (s) => {
        running.push(s.public_net.ipv4.ip);
        void banner.open(s.public_net.ipv4.ip);
      },
    });
    const { json } = await api("POST", "/servers", server("boots"));
    const ip = json.server.public_net.ipv4.ip;

    await expect(readBanner(ip, banner.port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    await until(() => banner.isOpen(ip));
    expect(running).toEqual([ip]);
    expect(await readBanner(ip, banner.port)).toBe("SSH-2.0-OpenSSH_9.6\r\n");
    expect(fake.servers()[0]?.status).toBe("running");

    await banner.closeHost(ip);
    await expect(readBanner(ip, banner.port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("can accept connections without ever sending a banner", async () => {
    ssh = await startSshBanner();
    await ssh.open("127.0.0.9", { silent: true });

    await expect(readBanner("127.0.0.9", ssh.port, 100)).rejects.toThrow("timeout");
  });
});

function readBanner(host: string, port: number, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("timeout"));
    }, timeoutMs);
    socket.once("data", (data) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(data.toString());
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!condition()) throw new Error("condition never became true");
}
