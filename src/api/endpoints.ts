import { COMMANDS } from "../commands/index.ts";
import type { Actor } from "../core/instances/actor.ts";
import { RESPONSES } from "../render/schemas/responses.ts";
import type { Endpoint } from "./endpoint.ts";

export type { Endpoint } from "./endpoint.ts";

const _id = (path: string) => `/instances/:id${path}`;

/**
 * Every `/api/v1` route: each verb declares its own in its file (`doors.http`), in the registry's order.
 * A new verb gets an API route with one entry there.
 */
export const ENDPOINTS: readonly Endpoint[] = COMMANDS.flatMap((verb) =>
  (verb.doors.http ?? []).map((route) => ({ ...route, response: RESPONSES[route.response], verb })),
);

/** The names of an endpoint's `:name` segments. */
export function pathParams(path: string): string[] {
  return path
    .split("/")
    .filter((s) => s.startsWith(":"))
    .map((s) => s.slice(1));
}

/** The raw input a verb gets: the client's fields, then the path's, then what the API fixes. */
export function rawInput(
  endpoint: Endpoint,
  parts: { params: Record<string, string>; query: Record<string, string>; body: unknown; actor: Actor },
): unknown {
  const source =
    endpoint.from === "body"
      ? (parts.body as Record<string, unknown>)
      : endpoint.from === "query"
        ? (endpoint.query?.(parts.query) ?? parts.query)
        : {};
  return { ...source, ...parts.params, ...endpoint.fixed?.(parts.actor) };
}
