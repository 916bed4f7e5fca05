import type { Endpoint } from "./endpoint.ts";
import { pathParams } from "./endpoints.ts";

// Which statuses each operation can answer, for the OpenAPI document: only those. Three sources:
// what every request can meet on its way in, what the route's shape brings (a body to read, a thing
// named in the path), and what the verb itself refuses on the state of things (a table below, by
// operationId). The tests hold every real answer to this list (test/api/contract.ts): an answer with a
// status its operation does not list fails the test that got it.

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 500 | 502 | 503 | 504;

/** What each status means, as the document says it. */
export const STATUS_MEANING: Record<ErrorStatus, string> = {
  400: "malformed: the body is not JSON, or not a JSON object",
  401: "no token, or a wrong or revoked one (see WWW-Authenticate)",
  403: "not allowed: not yours, only for admins, or Slack no longer lets the token's person in",
  404: "no such thing: the machine, snapshot, volume or secret the path names does not exist",
  409: "conflict with the thing's state: busy with another action, already deleted, not ready, already being saved, a volume still attached; asking again later may work",
  413: "the body is over 64 KB",
  422: "refused input: an unknown field, a bad value (the `field` names it), or over a quota or budget",
  429: "rate limited, per person or per address for wrong tokens: see Retry-After",
  500: "a fault inside ccc; the details are in its log",
  502: "Hetzner (or a machine, or Stripe) failed while working; try again in a minute",
  503: "ccc could not check the token's person with Slack just now: see Retry-After",
  504: "the work takes longer than the API waits (CCC_API_TIMEOUT_SECONDS); it goes on, GET shows how it ends",
};

/**
 * Every operation: the token (401), the person (403: Slack's check, and each verb's audience), the
 * rate limit (429), Slack's check not answering (503), the timeout (504), a fault (500), and 422:
 * every operation refuses a field it does not know, in the query string too.
 */
const EVERY: readonly ErrorStatus[] = [401, 403, 422, 429, 500, 503, 504];

/**
 * What the verb refuses besides, by operationId: 404 for a thing it looks up that the path does not
 * name, 409 for a refusal on the state of a machine, snapshot or volume, 502 when it calls Hetzner,
 * a machine or Stripe before it answers. An operation missing here has none of them.
 */
const REFUSES: Record<string, readonly ErrorStatus[]> = {
  // Provision and again check the type and location against Hetzner's catalog and take the work
  // volume (busy while another machine has it).
  provision: [409, 502],
  again: [409, 502],
  types: [502],
  extend: [409, 502],
  deprovision: [409, 502],
  share: [409, 502],
  unshare: [409, 502],
  save: [409, 502],
  restore: [409, 502],
  deleteSnapshot: [409, 502],
  keepSnapshot: [409, 502],
  wake: [409, 502],
  hibernate: [409, 502],
  "keep-awake": [409],
  volume: [409, 502],
  // A task is a provision (its refusals and Hetzner's catalog) and checks the repository on its forge;
  // cancelling stops its unit on the machine.
  task: [409, 502],
  cancelTask: [502],
};

/** The error statuses `endpoint` can answer, in order. */
export function errorStatuses(endpoint: Endpoint): ErrorStatus[] {
  const statuses = new Set<ErrorStatus>(EVERY);
  if (endpoint.from === "body") {
    statuses.add(400);
    statuses.add(413);
  }
  if (pathParams(endpoint.path).length > 0) statuses.add(404);
  for (const status of REFUSES[operationId(endpoint)] ?? []) statuses.add(status);
  return [...statuses].sort((a, b) => a - b);
}

/** The operation's id in the document: its own when the verb has more than one route. */
export function operationId(endpoint: Endpoint): string {
  return endpoint.operation ?? endpoint.verb.name;
}

/** The operationIds the table above names, for the test that each is a real operation. */
export const REFUSING_OPERATIONS = Object.keys(REFUSES);
