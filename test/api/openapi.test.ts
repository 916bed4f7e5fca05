import { describe, expect, it } from "vitest";
import * as z from "zod";
import { ENDPOINTS, type Endpoint, pathParams, rawInput } from "../../src/api/endpoints.ts";
import { openApiDocument, openApiPath } from "../../src/api/openapi.ts";
import { operationId, REFUSING_OPERATIONS } from "../../src/api/statuses.ts";
import { parseInput } from "../../src/commands/input.ts";
import { EXAMPLE_ID } from "../../src/render/schemas/examples.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { call } from "./api-client.ts";

interface Operation {
  operationId: string;
  requestBody?: {
    content: { "application/json": { schema: { properties: Record<string, unknown> }; example: unknown } };
  };
  responses: Record<string, { content?: { "application/json": { example: unknown } } }>;
  parameters: { name: string; in: string }[];
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

/** Checks an endpoint's examples against the verb's input schema and the response schema. */
function checkExamples(endpoint: Endpoint): void {
  const raw = rawInput(endpoint, {
    params: Object.fromEntries(
      pathParams(endpoint.path).map((name) => [name, endpoint.param?.example ?? EXAMPLE_ID]),
    ),
    query: endpoint.example.query ?? {},
    body: endpoint.example.body ?? {},
    actor: { id: "U012AB3CD", isAdmin: false },
  });
  parseInput(endpoint.verb.input, raw);
  endpoint.response.parse(endpoint.example.response);
}

describe("the OpenAPI document over HTTP", () => {
  const b = useBotHarness();

  it("is served without a token, names every route, and every route it names is served", async () => {
    const served = await call(b, "GET", "/openapi.json");
    expect(served.status).toBe(200);
    const doc = served.json as Document;
    expect(doc.openapi).toBe("3.1.0");
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument(ENDPOINTS))));
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(ENDPOINTS.map((e) => `${e.method} ${openApiPath(e.path)}`).sort());
    for (const operation of documented) {
      const [method = "", path = ""] = operation.split(" ");
      const answer = await call(b, method, path.replace("/api/v1", "").replace(/\{\w+\}/g, EXAMPLE_ID));
      // 401, not 404 or 405: the route is there and wants a token.
      expect(answer.status, operation).toBe(401);
    }
    const unknownRoute = await call(b, "GET", "/instances/x/reboot");
    expect(unknownRoute.status).toBe(404);
  });
});

describe("the OpenAPI document's contents", () => {
  it("has examples that validate against the schemas, and would notice one that does not", () => {
    const doc = openApiDocument(ENDPOINTS) as unknown as Document;
    for (const endpoint of ENDPOINTS) {
      checkExamples(endpoint);
      const op = doc.paths[openApiPath(endpoint.path)]?.[endpoint.method.toLowerCase()];
      expect(op?.responses[String(endpoint.status)]?.content?.["application/json"].example).toEqual(
        endpoint.example.response,
      );
      if (endpoint.from === "body") {
        expect(op?.requestBody?.content["application/json"].example).toEqual(endpoint.example.body);
      }
    }
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ENDPOINTS.length);
    const extend = ENDPOINTS.find((e) => e.verb.name === "extend");
    if (!extend) throw new Error("no extend endpoint");
    expect(() => checkExamples({ ...extend, example: { ...extend.example, body: { hours: -1 } } })).toThrow(
      /hours/i,
    );
    expect(() =>
      checkExamples({ ...extend, example: { ...extend.example, response: { id: EXAMPLE_ID } } }),
    ).toThrow();
  });

  it("asks the client only for what it may choose: never the owner, never the id in the path", () => {
    const doc = openApiDocument(ENDPOINTS) as unknown as Document;
    const create = doc.paths["/api/v1/instances"]?.post;
    expect(
      Object.keys(create?.requestBody?.content["application/json"].schema.properties ?? {}).sort(),
    ).toEqual([
      "fullClone",
      "hours",
      "idle",
      "keepWork",
      "location",
      "packages",
      "repo",
      "serverType",
      "sshKey",
      "volumeGb",
    ]);
    const extend = doc.paths["/api/v1/instances/{id}/extend"]?.post;
    expect(Object.keys(extend?.requestBody?.content["application/json"].schema.properties ?? {})).toEqual([
      "hours",
    ]);
    expect(extend?.parameters).toEqual([expect.objectContaining({ name: "id", in: "path" })]);
    const body = (path: string, method: string) =>
      Object.keys(
        doc.paths[path]?.[method]?.requestBody?.content["application/json"].schema.properties ?? {},
      );
    expect(body("/api/v1/me/key", "put")).toEqual(["sshKey"]);
    expect(body("/api/v1/me/prefs", "patch").sort()).toEqual([
      "dotfiles",
      "gitEmail",
      "gitName",
      "hours",
      "idle",
      "location",
      "packages",
      "repo",
      "saveOnExpiry",
      "serverType",
    ]);
    expect(body("/api/v1/snapshots/{snapshot}/restore", "post").sort()).toEqual([
      "hours",
      "location",
      "serverType",
    ]);
    expect(doc.paths["/api/v1/me/key"]?.get?.parameters).toEqual([]);
    expect(doc.paths["/api/v1/volumes/{id}"]?.delete?.parameters).toEqual([
      expect.objectContaining({
        name: "id",
        in: "path",
        schema: { type: "string", pattern: "^[0-9]{1,12}$" },
      }),
    ]);
    const list = doc.paths["/api/v1/instances"]?.get;
    expect(list?.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(["query:all", "query:user"]);
  });
});

describe("the OpenAPI document's statuses, areas and servers", () => {
  const doc = openApiDocument(ENDPOINTS) as unknown as Document & {
    servers: { url: string }[];
    tags: { name: string; description: string }[];
    components: { responses: Record<string, unknown> };
  };
  const statuses = (path: string, method: string) =>
    Object.keys(doc.paths[`/api/v1${path}`]?.[method]?.responses ?? {});

  it("lists only the statuses each operation can answer", () => {
    // A list reads no body, names nothing in its path and changes nothing: no 400, 404, 409, 413.
    expect(statuses("/instances", "get")).toEqual(["200", "401", "403", "422", "429", "500", "503", "504"]);
    expect(statuses("/instances", "post")).toEqual([
      "202",
      "400",
      "401",
      "403",
      "409",
      "413",
      "422",
      "429",
      "500",
      "502",
      "503",
      "504",
    ]);
    expect(statuses("/instances/{id}", "get")).toEqual([
      "200",
      "401",
      "403",
      "404",
      "422",
      "429",
      "500",
      "503",
      "504",
    ]);
    expect(statuses("/me/secrets/{name}", "put")).not.toContain("409");
    expect(statuses("/volumes/{id}", "delete")).toEqual(expect.arrayContaining(["404", "409"]));
    // Every operation answers at least these: the token, the person, unknown fields, the limit.
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(Object.keys(op.responses), `${method} ${path}`).toEqual(
          expect.arrayContaining(["401", "403", "422", "429"]),
        );
      }
    }
    // The table of refusals names real operations only.
    const ids = ENDPOINTS.map(operationId);
    for (const id of REFUSING_OPERATIONS) expect(ids, id).toContain(id);
    // And the document keeps no error response that no operation uses.
    const used = new Set(
      Object.values(doc.paths).flatMap((ops) =>
        Object.values(ops).flatMap((op) =>
          Object.values(op.responses).map((r) => (r as { $ref?: string }).$ref?.split("/").pop()),
        ),
      ),
    );
    expect(Object.keys(doc.components.responses).sort()).toEqual([...used].filter(Boolean).sort());
  });

  it("puts every operation in one declared area with a description, and names its server", () => {
    const names = doc.tags.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "machines",
        "sharing",
        "snapshots",
        "hibernation",
        "secrets",
        "money",
        "audit",
      ]),
    );
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops) as [
        string,
        Operation & { tags: string[]; description: string },
      ][]) {
        expect(op.tags.length, `${method} ${path}`).toBe(1);
        expect(names).toContain(op.tags[0]);
        expect(op.description.length, `${method} ${path}`).toBeGreaterThan(20);
      }
    }
    expect(doc.paths["/api/v1/instances/{id}/share"]?.post).toMatchObject({ tags: ["sharing"] });
    expect(doc.servers).toEqual([{ url: "/", description: expect.any(String) }]);
    const hosted = openApiDocument(ENDPOINTS, { publicUrl: "https://ccc.acme.test/" }) as {
      servers: unknown;
    };
    expect(hosted.servers).toEqual([{ url: "https://ccc.acme.test", description: "this ccc" }]);
  });

  it("has strict response schemas, so a field a renderer adds without the schema is a mismatch", () => {
    const loose: string[] = [];
    const walk = (schema: unknown, at: string) => {
      if (typeof schema !== "object" || schema === null) return;
      const s = schema as Record<string, unknown>;
      if (s.type === "object" && s.properties && s.additionalProperties !== false) loose.push(at);
      for (const [key, value] of Object.entries(s)) walk(value, `${at}/${key}`);
    };
    for (const endpoint of ENDPOINTS) {
      // As the door parses it (zod's input side): a plain z.object would strip an extra field silently.
      walk(z.toJSONSchema(endpoint.response, { io: "input", unrepresentable: "any" }), operationId(endpoint));
    }
    expect(loose).toEqual([]);
  });
});
