// The fake Hetzner's Primary IPs keep the live API's rules, and the client reads and changes them:
// servers get auto_delete addresses of their own, a kept one (auto_delete off) outlives its server
// unassigned, a new server takes it through `public_net`, and what the live API refuses is refused.
import { afterEach, describe, expect, it } from "vitest";
import { type FakeHetzner, startFakeHetzner } from "../../stand-ins/fake-hetzner.ts";
import { clientFor } from "./helpers.ts";

let fake: FakeHetzner;
afterEach(() => fake?.close());

const server = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  server_type: "cx23",
  image: "ubuntu-24.04",
  location: "fsn1",
  ...extra,
});

/** One raw request to the fake: status and the error code, if any. */
async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${fake.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${fake.token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as { error?: { code: string } } & Record<string, unknown>) : {};
  return { status: res.status, code: json.error?.code ?? null, json };
}

describe("Primary IPs at the fake Hetzner", () => {
  it("are made with each server, kept past it with auto_delete off, and taken by the next server", async () => {
    fake = await startFakeHetzner({ actionDurationMs: 5 });
    const { client } = clientFor(fake);
    const created = await client.createServer({
      name: "one",
      serverType: "cx23",
      image: "ubuntu-24.04",
      location: "fsn1",
      sshKeys: [],
      labels: {},
    });
    const ids = created.server.primaryIpIds;
    expect(ids?.ipv4).toEqual(expect.any(Number));
    const v4 = await client.primaryIps.get(ids?.ipv4 ?? 0);
    expect(v4).toMatchObject({
      type: "ipv4",
      ip: created.server.ipv4,
      assigneeId: created.server.id,
      autoDelete: true,
      location: "fsn1",
    });
    await client.waitForAction(created.action.id);

    // Running: not unassigned, and an assigned one is not deleted (since 1 May 2026).
    expect(await call("POST", `/primary_ips/${ids?.ipv4}/actions/unassign`)).toMatchObject({
      status: 422,
      code: "server_not_stopped",
    });
    expect(await call("DELETE", `/primary_ips/${ids?.ipv4}`)).toMatchObject({
      status: 422,
      code: "must_be_unassigned",
    });

    for (const id of [ids?.ipv4, ids?.ipv6])
      await client.primaryIps.update(id ?? 0, { autoDelete: false, labels: { "ccc-kept": "hibernation" } });
    await client.deleteServer(created.server.id);
    fake.settle("delete_server");
    expect(
      (await client.primaryIps.list("ccc-kept")).map((p) => [p.type, p.assigneeId, p.autoDelete]),
    ).toEqual([
      ["ipv4", null, false],
      ["ipv6", null, false],
    ]);

    // The next server takes them; a third cannot, and another location or type is refused.
    expect(
      await call("POST", "/servers", server("two", { location: "nbg1", public_net: { ipv4: ids?.ipv4 } })),
    ).toMatchObject({ status: 422, code: "primary_ip_datacenter_mismatch" });
    expect(await call("POST", "/servers", server("two", { public_net: { ipv4: ids?.ipv6 } }))).toMatchObject({
      status: 422,
      code: "primary_ip_version_mismatch",
    });
    expect(
      await call("POST", "/servers", server("two", { public_net: { ipv4: ids?.ipv4, colour: 1 } })),
    ).toMatchObject({ status: 422, code: "invalid_input" });
    const again = await client.createServer({
      name: "two",
      serverType: "cx23",
      image: "ubuntu-24.04",
      location: "fsn1",
      sshKeys: [],
      labels: {},
      primaryIps: { ipv4: ids?.ipv4 ?? null, ipv6: ids?.ipv6 ?? null },
    });
    expect(again.server.ipv4).toBe(created.server.ipv4);
    expect(again.server.ipv6).toBe(created.server.ipv6);
    expect(
      await call("POST", "/servers", server("three", { public_net: { ipv4: ids?.ipv4 } })),
    ).toMatchObject({
      status: 422,
      code: "primary_ip_assigned",
    });

    // Unassigned again (the server deleted), it can be deleted; twice is "gone".
    await client.deleteServer(again.server.id);
    fake.settle("delete_server");
    expect(await client.primaryIps.delete(ids?.ipv4 ?? 0)).toBe("deleted");
    expect(await client.primaryIps.delete(ids?.ipv4 ?? 0)).toBe("gone");
  });

  it("refuses unknown fields and assigning to a running server, and reads their price", async () => {
    fake = await startFakeHetzner({ actionDurationMs: 5 });
    const { client } = clientFor(fake);
    const made = await call("POST", "/primary_ips", {
      name: "spare",
      type: "ipv4",
      assignee_type: "server",
      location: "fsn1",
      labels: { "managed-by": "ccc" },
    });
    expect(made.status).toBe(201);
    const id = (made.json.primary_ip as { id: number }).id;
    expect(
      await call("POST", "/primary_ips", { name: "x", type: "ipv4", assignee_type: "server" }),
    ).toMatchObject({ status: 422, code: "invalid_input" });
    expect(await call("PUT", `/primary_ips/${id}`, { auto_delete: "yes" })).toMatchObject({
      status: 422,
      code: "invalid_input",
    });
    await call("PUT", `/primary_ips/${id}`, { blocked: true });
    expect(fake.takeMistakes()).toEqual([`PUT /primary_ips/${id}: unknown field 'blocked'`]);

    const running = await client.createServer({
      name: "run",
      serverType: "cx23",
      image: "ubuntu-24.04",
      location: "fsn1",
      sshKeys: [],
      labels: {},
    });
    await client.waitForAction(running.action.id);
    expect(
      await call("POST", `/primary_ips/${id}/actions/assign`, {
        assignee_id: running.server.id,
        assignee_type: "server",
      }),
    ).toMatchObject({ status: 422, code: "server_not_stopped" });

    const prices = (await client.getPricing()).primaryIps;
    expect(prices?.map((p) => p.type)).toEqual(["ipv4", "ipv6"]);
    expect(Number(prices?.[0]?.prices.find((p) => p.location === "fsn1")?.hourly)).toBeGreaterThan(0);
  });
});
