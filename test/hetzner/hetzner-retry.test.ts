import { afterEach, describe, expect, it, vi } from "vitest";
import { ExternalError } from "../../src/core/errors.ts";
import { type FakeHetzner, startFakeHetzner } from "../../stand-ins/fake-hetzner.ts";
import { clientFor, serverInput } from "./helpers.ts";

let fake: FakeHetzner;
afterEach(() => fake?.close());

async function start() {
  fake = await startFakeHetzner();
  return clientFor(fake);
}

describe("HetznerClient retries", () => {
  it("backs off after a 429, succeeds, and remembers the rate-limit headers", async () => {
    const { client, clock } = await start();
    fake.failNext(
      { method: "GET", path: "/locations" },
      {
        status: 429,
        code: "rate_limit_exceeded",
        message: "limit reached",
        headers: { "RateLimit-Remaining": "0", "RateLimit-Reset": "1900000000" },
      },
      2,
    );

    const locations = await client.listLocations();

    expect(locations).toHaveLength(4);
    expect(fake.requests.map((r) => r.path)).toEqual(["/locations", "/locations", "/locations"]);
    expect(client.requestCount).toBe(3);
    expect(clock.sleeps).toEqual([1, 2]);
    expect(client.rateLimit?.limit).toBe(3600);
    expect(client.rateLimit?.remaining).toBe(3597);
  });

  it("exposes the rate-limit headers of a rejected request", async () => {
    const { client } = await start();
    fake.failNext(
      { path: "/locations" },
      {
        status: 429,
        code: "rate_limit_exceeded",
        message: "slow down",
        headers: { "RateLimit-Remaining": "0" },
      },
      99,
    );
    const { client: impatient } = clientFor(fake, { retry: { maxRetries: 0 } });

    await expect(impatient.listLocations()).rejects.toMatchObject({
      code: "rate_limit_exceeded",
      status: 429,
    });
    expect(impatient.rateLimit).toMatchObject({ limit: 3600, remaining: 0 });
    expect(impatient.rateLimit?.reset).toBeInstanceOf(Date);
    expect(client.requestCount).toBe(0);
  });

  it("retries a 503 twice, then succeeds", async () => {
    const { client } = await start();
    fake.failNext({ method: "POST", path: "/servers" }, { status: 503, body: "<html>busy</html>" }, 2);

    const created = await client.createServer(serverInput("patient"));

    expect(created.server.name).toBe("patient");
    expect(fake.requests.filter((r) => r.method === "POST")).toHaveLength(3);
    expect(fake.servers()).toHaveLength(1);
    expect(client.requestCount).toBe(3);
  });

  it("retries a `conflict` but not another 409", async () => {
    const { client } = await start();
    fake.failNext({ method: "GET" }, { status: 409, code: "conflict", message: "resource changed" });
    expect(await client.listLocations()).toHaveLength(4);
    expect(client.requestCount).toBe(2);

    await client.createServer(serverInput("taken"));
    const error = await client.createServer(serverInput("taken")).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "uniqueness_error", status: 409 });
    expect(client.requestCount).toBe(4);
  });

  it("retries when the connection drops, then succeeds", async () => {
    const { client, clock } = await start();
    fake.failNext({ path: "/server_types" }, { network: true });

    const types = await client.listServerTypes();

    expect(types.length).toBeGreaterThan(0);
    expect(fake.requests.map((r) => r.path)).toEqual(["/server_types", "/server_types"]);
    expect(clock.sleeps).toEqual([1]);
  });

  it("gives up on a request that hangs and retries it", async () => {
    fake = await startFakeHetzner();
    const { client, clock } = clientFor(fake, { requestTimeoutMs: 300 });
    // Held far past the client's timeout: only giving up on it lets the call succeed.
    fake.failNext({ path: "/locations" }, { delayMs: 5_000 });

    const locations = await client.listLocations();

    expect(locations.length).toBeGreaterThan(0);
    // On a busy machine a retry may run past the timeout too: each attempt but the last was given up on.
    expect(fake.requests.length).toBeGreaterThanOrEqual(2);
    expect(client.requestCount).toBe(fake.requests.length);
    expect(clock.sleeps).toEqual([1, 2, 4, 8, 8].slice(0, fake.requests.length - 1));
  });

  it("gives up after maxRetries with the last error's code and status", async () => {
    const { client, clock } = await start();
    fake.failNext({ path: "/servers" }, { status: 502, code: "bad_gateway", message: "upstream down" }, 99);

    const error = await client.listServers().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ExternalError);
    expect(error).toMatchObject({
      source: "hetzner",
      code: "bad_gateway",
      status: 502,
      message: "upstream down",
    });
    expect(fake.requests).toHaveLength(6);
    expect(clock.sleeps).toEqual([1, 2, 4, 8, 8]);
  });

  it("gives up on a dead network with network_error", async () => {
    const { client } = await start();
    fake.failNext({}, { network: true }, 99);
    const { client: lessPatient } = clientFor(fake, { retry: { maxRetries: 2, baseDelayMs: 1 } });

    const error = await lessPatient.listLocations().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ExternalError);
    expect(error).toMatchObject({ code: "network_error", status: undefined });
    expect(lessPatient.requestCount).toBe(3);
    expect(client.requestCount).toBe(0);
  });

  it("names a non-JSON error after its HTTP status", async () => {
    const { client } = await start();
    fake.failNext({ path: "/locations" }, { status: 418, body: "I'm a teapot" });

    await expect(client.listLocations()).rejects.toMatchObject({ code: "http_418", status: 418 });
    expect(client.requestCount).toBe(1);
  });

  it("does not retry a 401 and passes Hetzner's message on", async () => {
    fake = await startFakeHetzner();
    const { client, clock } = clientFor(fake, { token: "wrong" });

    const error = await client.getServer(1).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: "unauthorized", status: 401, message: "unable to authenticate" });
    expect(fake.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("does not retry invalid input", async () => {
    const { client } = await start();
    const error = await client
      .createServer({ ...serverInput("bad_name!"), serverType: "cx99" })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ code: "invalid_input", status: 422 });
    expect((error as Error).message).toContain("'name'");
    expect(client.requestCount).toBe(1);
  });

  it("does not retry an aborted request", async () => {
    const { client } = await start();
    fake.failNext({ path: "/locations" }, { delayMs: 5_000 });
    const controller = new AbortController();
    const call = client.listLocations(controller.signal);
    // Abort once the request is held up at Hetzner.
    await vi.waitFor(() => expect(fake.requests).toHaveLength(1), { timeout: 10_000 });
    controller.abort(new Error("cancelled"));

    await expect(call).rejects.toThrow("cancelled");
    expect(client.requestCount).toBe(1);
  });
});
