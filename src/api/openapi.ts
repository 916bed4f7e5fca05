import * as z from "zod";
import { type Endpoint, pathParams } from "./endpoints.ts";
import { EXAMPLE_ID } from "./examples.ts";
import { errorSchema } from "./response-schemas.ts";

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
  // Rebuilt from the shape: zod refuses `omit` on a schema with refinements (key, prefs), and the
  // document needs only the fields.
  return z.object(Object.fromEntries(Object.entries(input.shape).filter(([k]) => !taken.includes(k))));
}

const ERRORS: Record<string, string> = {
  "400": "malformed: not JSON, or not an object",
  "401": "no token, or a wrong or revoked one",
  "403": "not yours, or not an admin",
  "404": "no such instance, snapshot or volume",
  "409": "conflict: busy, already deleted, not ready, already being saved, or a volume still attached",
  "422": "refused input: a bad key, hours, type, location, or over a quota",
  "429": "rate limited: see Retry-After",
};

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
    Object.keys(ERRORS).map((status) => [status, { $ref: `#/components/responses/E${status}` }]),
  );
  return {
    operationId: endpoint.operation ?? endpoint.verb.name,
    summary: endpoint.verb.summary,
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

/** A query example as the schema types it (`"true"` on the wire is `true` to a boolean). */
function exampleOf(schema: JsonSchema, value: string | undefined): { example?: unknown } {
  if (value === undefined) return {};
  return { example: schema.type === "boolean" ? value === "true" : value };
}

/** `/api/v1/instances/:id` as OpenAPI writes it. */
export function openApiPath(path: string): string {
  return `/api/v1${path.replace(/:(\w+)/g, "{$1}")}`;
}

/** OpenAPI 3.1 for the endpoints, from the verbs' own schemas. */
export function openApiDocument(endpoints: readonly Endpoint[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const endpoint of endpoints) {
    const path = openApiPath(endpoint.path);
    paths[path] = { ...paths[path], [endpoint.method.toLowerCase()]: operation(endpoint) };
  }
  const errorResponse = (description: string) => ({
    description,
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  });
  return {
    openapi: "3.1.0",
    info: {
      title: "ccc HTTP API",
      version: "1",
      description:
        "Ephemeral NixOS machines with Claude Code. The same verbs, rules and quotas as Slack and the ccc CLI. " +
        "Make a token with `/ccc token` in Slack or `ccc token create --user <id>`.",
    },
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { Error: jsonSchema(errorSchema, "output") },
      responses: Object.fromEntries(Object.entries(ERRORS).map(([s, d]) => [`E${s}`, errorResponse(d)])),
    },
  };
}
