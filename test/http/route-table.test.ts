import { describe, expect, it } from "vitest";
import { HttpError } from "../../src/http/http-error.ts";
import { routeTable } from "../../src/http/route-table.ts";
import type { Route } from "../../src/http/server.ts";

const route = (method: Route["method"], path: string): Route => ({ method, path, handle: () => {} });

describe("the route table", () => {
  const health = route("GET", "/healthz");
  const one = route("GET", "/api/v1/instances/:id");
  const remove = route("DELETE", "/api/v1/instances/:id");
  const extend = route("POST", "/api/v1/instances/:id/extend");
  const list = route("GET", "/api/v1/instances");
  const table = routeTable([health, one, remove, extend, list]);

  it("matches exact paths exactly and fills :name segments, decoded", () => {
    expect(table.match("/healthz")).toEqual([{ route: health, params: {} }]);
    expect(table.match("/healthz/")).toEqual([]);
    expect(table.match("/api/v1/instances")).toEqual([{ route: list, params: {} }]);
    expect(table.match("/api/v1/instances/ccc-7f3k2q")).toEqual([
      { route: one, params: { id: "ccc-7f3k2q" } },
      { route: remove, params: { id: "ccc-7f3k2q" } },
    ]);
    expect(table.match("/api/v1/instances/a%20b/extend")).toEqual([{ route: extend, params: { id: "a b" } }]);
  });

  it("never matches an empty segment, a longer or shorter path, and refuses bad escapes", () => {
    expect(table.match("/api/v1/instances//extend")).toEqual([]);
    expect(table.match("/api/v1/instances/x/extend/more")).toEqual([]);
    expect(table.match("/api/v1/x/y")).toEqual([]);
    expect(() => table.match("/api/v1/instances/%E0%A4%A")).toThrow(HttpError);
  });
});
