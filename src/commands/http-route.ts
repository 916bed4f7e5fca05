import type { RefusalCode } from "../core/errors.ts";
import type { Actor } from "../core/instances/actor.ts";
import type { ResponseName } from "../render/schemas/responses.ts";

/**
 * One `/api/v1` route onto a verb, declared in the verb's own file. The verb's schema, audience and
 * rules apply as in every other door; a route only says where its input comes from and how it
 * answers. A long-running verb's route answers 202 with its `start`'s answer.
 */
export interface HttpRoute {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Under /api/v1, with `:name` segments that fill the input's field of that name. */
  path: string;
  /** What the `:name` segment looks like, for the OpenAPI document; an instance id unless said. */
  param?: { pattern: string; example: string };
  /** The OpenAPI operationId when the verb has more than one route; the verb's name otherwise. */
  operation?: string;
  /** Besides the path: the JSON body, the query string, or nothing. */
  from: "body" | "query" | "none";
  /** Fields the API fills itself from the token's person, whatever the client sends. */
  fixed?: (actor: Actor) => Record<string, unknown>;
  /** Query values are text: turns them into what the schema wants (`all=true` → true). */
  query?: (query: Record<string, string>) => Record<string, unknown>;
  /** 202 when the work goes on after the answer (the verb's `start` answers; its work goes on). */
  status: 200 | 202;
  /** Serialized with other actions (Slack's buttons too) on the instance the `:id` names. */
  serialized?: boolean;
  /** An answer that is a refusal after all (a delete of something already deleted). */
  conflict?: (json: unknown, text: string) => { code: RefusalCode; message: string } | null;
  /**
   * The answer's schema, by its name in `RESPONSES` (src/render/schemas/responses.ts): the API parses
   * every answer with it and documents it; only the API loads the schemas.
   */
  response: ResponseName;
  example: { body?: Record<string, unknown>; query?: Record<string, string>; response: unknown };
}

/** A yes/no query value: anything but true or false is left as text, for the schema to refuse. */
export function queryFlag(value: string | undefined): unknown {
  return value === "true" ? true : value === "false" ? false : value;
}
