import * as z from "zod";
import { EXAMPLE_ID } from "../render/schemas/examples.ts";
import { errorSchema } from "../render/schemas/response-schemas.ts";
import { type Endpoint, pathParams } from "./endpoints.ts";
import { type ErrorStatus, errorStatuses, operationId, STATUS_MEANING } from "./statuses.ts";

type JsonSchema = Record<string, unknown>;

/** A zod schema as JSON Schema (2020-12, which OpenAPI 3.1 uses): what a client sends, or gets. */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

/** The verb's input without the fields the path or the API itself fill. */
export function clientInput(endpoint: Endpoint): z.ZodObject {
  const input = endpoint.verb.input;
  if (!(input instanceof z.ZodObject)) throw new Error(`${endpoint.verb.name}'s input is not an object`);
  const taken = [
    ...pathParams(endpoint.path),
    ...Object.keys(endpoint.fixed?.({ id: "", isAdmin: false }) ?? {}),
  ];
  // A query string carries only what the endpoint's `query` reads (the verb's `csv` is the CLI's).
  const read = endpoint.from === "query" && endpoint.query ? Object.keys(endpoint.query({})) : undefined;
  // Rebuilt from the shape: zod refuses `omit` on a schema with refinements (key, prefs), and the
  // document needs only the fields.
  return z.object(
    Object.fromEntries(
      Object.entries(input.shape).filter(([k]) => !taken.includes(k) && (read?.includes(k) ?? true)),
    ),
  );
}

/** The areas of the API, each a tag: the first that matches an endpoint's path names its tag. */
const TAGS: readonly { name: string; description: string; paths: RegExp }[] = [
  {
    name: "hibernation",
    description: "Put a machine to sleep (a snapshot, no server), wake it as it was, keep it awake.",
    paths: /^\/instances\/:id\/(wake|hibernate|keep-awake)$/,
  },
  {
    name: "sharing",
    description: "Let another person log in to your machine, and take that back.",
    paths: /^\/instances\/:id\/(share|unshare)$/,
  },
  {
    name: "snapshots",
    description: "Save a machine as a snapshot, keep or delete snapshots, restore one as a new machine.",
    paths: /^\/(instances\/:id\/save|snapshots)/,
  },
  {
    name: "machines",
    description: "Create machines (202: built in the background), see them, give them time, delete them.",
    paths: /^\/(instances|types|again)/,
  },
  {
    name: "volumes",
    description: "Work volumes that keep a machine's work after it is deleted.",
    paths: /^\/volumes/,
  },
  {
    name: "secrets",
    description: "Your secrets for your machines: values go in and never come out.",
    paths: /^\/me\/secrets/,
  },
  { name: "account", description: "Your SSH key and your defaults for new machines.", paths: /^\/me\// },
  {
    name: "money",
    description: "What machines cost in a month, and where a person stands against their budget.",
    paths: /^\/(usage|budget)/,
  },
  { name: "audit", description: "Who did what, for admins.", paths: /^\/events/ },
  {
    name: "tasks",
    description:
      "Ask Claude Code for a change on a fresh machine (202: it runs in the background), follow it, cancel it.",
    paths: /^\/tasks/,
  },
];

function tagOf(endpoint: Endpoint): string {
  const tag = TAGS.find((t) => t.paths.test(endpoint.path));
  if (!tag)
    throw new Error(`${endpoint.method} ${endpoint.path} is in no area: add it to TAGS in openapi.ts`);
  return tag.name;
}

const WHO: Record<Endpoint["verb"]["audience"], string> = {
  self: "Anyone with a token, for themselves; another person's (`user`, `all`) only for admins.",
  "owner-or-admin": "The owner of the machine the path names, or an admin.",
  admin: "Admins only.",
};

/** What a client needs to know besides the summary: who may, and how it answers. */
function description(endpoint: Endpoint): string {
  return [
    `${endpoint.verb.summary[0]?.toUpperCase() ?? ""}${endpoint.verb.summary.slice(1)}.`,
    WHO[endpoint.verb.audience],
    endpoint.status === 202
      ? "Answers 202 once the request is checked and recorded; the work goes on in the background."
      : "",
    endpoint.serialized ? "Runs after any other action on the same machine (from Slack too)." : "",
  ]
    .filter(Boolean)
    .join(" ");
}

function operation(endpoint: Endpoint): JsonSchema {
  const input = clientInput(endpoint);
  const fields = jsonSchema(input, "input") as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  const param = endpoint.param ?? { pattern: "^ccc-[a-z2-9]{6}$", example: EXAMPLE_ID };
  const pathParameters = pathParams(endpoint.path).map((name) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string", pattern: param.pattern },
    example: param.example,
  }));
  const queryParameters =
    endpoint.from === "query"
      ? Object.entries(fields.properties ?? {}).map(([name, schema]) => ({
          name,
          in: "query",
          required: false,
          schema,
          ...exampleOf(schema, endpoint.example.query?.[name]),
        }))
      : [];
  const errors = Object.fromEntries(
    errorStatuses(endpoint).map((status) => [status, { $ref: `#/components/responses/E${status}` }]),
  );
  return {
    operationId: operationId(endpoint),
    summary: endpoint.verb.summary,
    description: description(endpoint),
    tags: [tagOf(endpoint)],
    security: [{ bearer: [] }],
    parameters: [...pathParameters, ...queryParameters],
    ...(endpoint.from === "body"
      ? {
          requestBody: {
            required: true,
            content: {
              "application/json": { schema: jsonSchema(input, "input"), example: endpoint.example.body },
            },
          },
        }
      : {}),
    responses: {
      [String(endpoint.status)]: {
        description: endpoint.status === 202 ? "accepted: the work goes on in the background" : "done",
        content: {
          "application/json": {
            schema: jsonSchema(endpoint.response, "output"),
            example: endpoint.example.response,
          },
        },
      },
      ...errors,
    },
  };
}

/** A query example as the schema types it (`"true"` on the wire is `true` to a boolean, `"5"` 5 to a number). */
function exampleOf(schema: JsonSchema, value: string | undefined): { example?: unknown } {
  if (value === undefined) return {};
  if (schema.type === "boolean") return { example: value === "true" };
  if (schema.type === "integer" || schema.type === "number") return { example: Number(value) };
  return { example: value };
}

/** `/api/v1/instances/:id` as OpenAPI writes it. */
export function openApiPath(path: string): string {
  return `/api/v1${path.replace(/:(\w+)/g, "{$1}")}`;
}

/** OpenAPI 3.1 for the endpoints, from the verbs' own schemas; `publicUrl` is where clients reach it. */
export function openApiDocument(
  endpoints: readonly Endpoint[],
  options: { publicUrl?: string | undefined } = {},
): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const endpoint of endpoints) {
    const path = openApiPath(endpoint.path);
    paths[path] = { ...paths[path], [endpoint.method.toLowerCase()]: operation(endpoint) };
  }
  // Only the statuses some operation answers, so the document lists nothing unused.
  const used = [...new Set(endpoints.flatMap(errorStatuses))].sort((a, b) => a - b);
  const errorResponse = (status: ErrorStatus) => ({
    description: STATUS_MEANING[status],
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  });
  const tags = TAGS.filter((t) => endpoints.some((e) => tagOf(e) === t.name));
  return {
    openapi: "3.1.0",
    info: {
      title: "ccc HTTP API",
      version: "1",
      description: [
        "Ephemeral NixOS machines with Claude Code. The same verbs, rules and quotas as Slack and the ccc CLI. " +
          "Make a token with `/ccc token` in Slack or `ccc token create --user <id>`.",
        "Every answer other than 2xx has the one error shape (`Error`). Besides the statuses each operation " +
          "lists, the server itself answers a path it does not have with 404, a method a path does not have " +
          "with 405 and an `Allow` header naming the ones it has, and a body over 64 KB with 413, all in the " +
          "error shape. Unknown fields, in the body or the query string, are refused with 422 naming the field.",
      ].join("\n\n"),
      contact: { name: "the operator of this ccc", ...(options.publicUrl ? { url: options.publicUrl } : {}) },
      license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
    },
    servers: [
      options.publicUrl
        ? { url: options.publicUrl.replace(/\/+$/, ""), description: "this ccc" }
        : { url: "/", description: "the ccc that serves this document" },
    ],
    tags: tags.map(({ name, description }) => ({ name, description })),
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "A personal token (`ccc_…`): `Authorization: Bearer ccc_…`",
        },
      },
      schemas: { Error: jsonSchema(errorSchema, "output") },
      responses: Object.fromEntries(used.map((status) => [`E${status}`, errorResponse(status)])),
    },
  };
}
