import { deprovisionCommand } from "../commands/deprovision.ts";
import { extendCommand } from "../commands/extend.ts";
import { listCommand } from "../commands/list.ts";
import {
  acceptProvision,
  completeProvision,
  type ProvisionInput,
  provisionCommand,
} from "../commands/provision.ts";
import { shareCommand } from "../commands/share.ts";
import { statusCommand } from "../commands/status.ts";
import { typesCommand } from "../commands/types.ts";
import { unshareCommand } from "../commands/unshare.ts";
import type { Actor } from "../core/instances/actor.ts";
import { alertProvisionFailure } from "../core/provision/failure-alert.ts";
import { guestGrants, guestSecretsSentence } from "../render/access.ts";
import { instanceJson } from "../render/json.ts";
import { ACCOUNT_ENDPOINTS } from "./account-endpoints.ts";
import { type Endpoint, queryFlag } from "./endpoint.ts";
import { EVENT_ENDPOINTS } from "./event-endpoints.ts";
import { EXAMPLE_ID, EXAMPLE_KEY, EXAMPLES, eur } from "./examples.ts";
import { HIBERNATION_ENDPOINTS } from "./hibernation-endpoints.ts";
import { MONEY_ENDPOINTS } from "./money-endpoints.ts";
import {
  deletedSchema,
  extendedSchema,
  instanceListSchema,
  instanceSchema,
  instanceStatusSchema,
  offersSchema,
  sharedSchema,
} from "./response-schemas.ts";
import { SECRET_ENDPOINTS } from "./secret-endpoints.ts";
import { SNAPSHOT_ENDPOINTS } from "./snapshot-endpoints.ts";
import { TASK_ENDPOINTS } from "./task-endpoints.ts";
import { VOLUME_ENDPOINTS } from "./volume-endpoints.ts";

export type { Endpoint } from "./endpoint.ts";

const id = (path: string) => `/instances/:id${path}`;

export const ENDPOINTS: readonly Endpoint[] = [
  {
    method: "GET",
    path: "/instances",
    verb: listCommand,
    from: "query",
    query: (q) => ({ all: queryFlag(q.all), user: q.user }),
    status: 200,
    response: instanceListSchema,
    example: { query: { all: "false" }, response: [EXAMPLES.ready] },
  },
  {
    method: "POST",
    path: "/instances",
    verb: provisionCommand,
    from: "body",
    fixed: (actor) => ({ owner: actor.id, ownerEmail: undefined }),
    status: 202,
    start: async (ctx, raw) => {
      const recorded = await acceptProvision(ctx, raw as ProvisionInput);
      const rest = () =>
        completeProvision(ctx, recorded).then(
          () => {},
          (error: unknown) => void alertProvisionFailure(ctx.deps, recorded, error),
        );
      return { json: instanceJson(recorded, ctx.deps.timing), rest };
    },
    response: instanceSchema,
    example: {
      body: {
        sshKey: EXAMPLE_KEY,
        hours: 4,
        serverType: "cx23",
        location: "fsn1",
        packages: ["python3", "go"],
        keepWork: true,
        volumeGb: 20,
      },
      response: EXAMPLES.creating,
    },
  },
  {
    method: "GET",
    path: id(""),
    verb: statusCommand,
    from: "none",
    status: 200,
    response: instanceStatusSchema,
    example: {
      response: {
        ...EXAMPLES.ready,
        timeLeftMs: 12_600_000,
        access: [{ who: "U012AB3CD", role: "owner" }],
        ended: null,
        workspace: null,
      },
    },
  },
  {
    method: "POST",
    path: id("/extend"),
    verb: extendCommand,
    from: "body",
    status: 200,
    serialized: true,
    response: extendedSchema,
    example: { body: { hours: 2 }, response: { ...EXAMPLES.ready, machine: "pushed" } },
  },
  {
    method: "DELETE",
    path: id(""),
    verb: deprovisionCommand,
    from: "none",
    status: 200,
    serialized: true,
    conflict: (json, text) =>
      (json as { changed?: boolean }).changed === false ? { code: "already_deleted", message: text } : null,
    response: deletedSchema,
    example: { response: { ...EXAMPLES.deleted, changed: true } },
  },
  {
    method: "POST",
    path: id("/share"),
    verb: shareCommand,
    from: "body",
    status: 200,
    serialized: true,
    response: sharedSchema,
    example: {
      body: { with: "U0BOB", sshKey: EXAMPLE_KEY, noSudo: true },
      response: {
        id: EXAMPLE_ID,
        guest: "U0BOB",
        access: [
          { who: "U012AB3CD", role: "owner" },
          { who: "U0BOB", role: "guest", sudo: false, login: "ccc-guest-1" },
        ],
        machine: "pushed",
        sudo: false,
        login: "ccc-guest-1",
        grants: guestGrants(false, "they", "ccc-guest-1"),
        withSecrets: false,
        secrets: guestSecretsSentence(false, false),
      },
    },
  },
  {
    method: "POST",
    path: id("/unshare"),
    verb: unshareCommand,
    from: "body",
    status: 200,
    serialized: true,
    response: sharedSchema,
    example: {
      body: { with: "U0BOB" },
      response: {
        id: EXAMPLE_ID,
        guest: "U0BOB",
        access: [{ who: "U012AB3CD", role: "owner" }],
        machine: "pushed",
        sudo: false,
        login: "ccc-guest-1",
        grants: guestGrants(false, "they", "ccc-guest-1"),
        withSecrets: false,
        secrets: guestSecretsSentence(false, false),
        sessionsEnded: 1,
      },
    },
  },
  {
    method: "GET",
    path: "/types",
    verb: typesCommand,
    from: "query",
    query: (q) => ({ location: q.location }),
    status: 200,
    response: offersSchema,
    example: {
      query: { location: "fsn1" },
      response: [
        {
          name: "cx23",
          location: "fsn1",
          cores: 2,
          memoryGb: 4,
          diskGb: 40,
          architecture: "x86",
          priceHourly: eur("0.007140"),
          priceMonthly: eur("4.35"),
        },
      ],
    },
  },
  ...ACCOUNT_ENDPOINTS,
  ...SNAPSHOT_ENDPOINTS,
  ...HIBERNATION_ENDPOINTS,
  ...VOLUME_ENDPOINTS,
  ...MONEY_ENDPOINTS,
  ...SECRET_ENDPOINTS,
  ...EVENT_ENDPOINTS,
  ...TASK_ENDPOINTS,
];

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
