import { afterEach, describe, expect, it } from "vitest";
import { toCloudServerType } from "../../src/adapters/hetzner/schemas.ts";
import { type FakeHetzner, startFakeHetzner } from "../../stand-ins/fake-hetzner.ts";
import { clientFor, serverInput } from "./helpers.ts";

let fake: FakeHetzner;
afterEach(() => fake?.close());

describe("server responses", () => {
  it("take the location from `datacenter` when a server has no top-level location", async () => {
    fake = await startFakeHetzner({
      transformServer: ({ location, ...server }) => ({
        ...server,
        datacenter: { id: 1, name: "fsn1-dc14", description: "Falkenstein 1 DC14", location },
      }),
    });
    const { client } = clientFor(fake);
    const { server } = await client.createServer(serverInput("old-shape"));

    expect(server.location).toBe("fsn1");
    expect((await client.listServers())[0]?.location).toBe("fsn1");
  });

  it("need no datacenter, and ignore fields ccc does not know", async () => {
    fake = await startFakeHetzner({
      transformServer: (server) => ({
        ...server,
        shiny_new_field: { nested: [1, 2] },
        status: "hibernating",
      }),
    });
    const { client } = clientFor(fake);
    const { server } = await client.createServer(serverInput("new-shape"));

    expect(fake.requests).toHaveLength(1);
    expect(server).toMatchObject({ name: "new-shape", location: "fsn1", status: "unknown" });
  });
});

describe("toCloudServerType", () => {
  const base = {
    name: "cx23",
    description: "CX23",
    cores: 2,
    memory: 4,
    disk: 40,
    architecture: "x86" as const,
    prices: [],
  };
  const deprecation = { announced: "2025-10-01T00:00:00Z", unavailable_after: "2026-01-01T00:00:00Z" };

  it("treats a type deprecated in every location it is offered in as deprecated", () => {
    const locations = [
      { name: "fsn1", deprecation },
      { name: "nbg1", deprecation },
    ];
    expect(toCloudServerType({ ...base, deprecated: false, locations })).toMatchObject({
      deprecated: true,
      locations: [],
    });
  });

  it("offers only the locations where the type is not deprecated", () => {
    const locations = [
      { name: "fsn1", deprecation: null },
      { name: "ash", deprecation },
    ];
    expect(toCloudServerType({ ...base, deprecated: null, locations })).toMatchObject({
      deprecated: false,
      locations: ["fsn1"],
    });
  });

  it("honours the older type-level fields and leaves locations out when the API does", () => {
    const mapped = toCloudServerType({ ...base, deprecated: false, deprecation });
    expect(mapped.deprecated).toBe(true);
    expect("locations" in mapped).toBe(false);
  });
});
