import { parseInput } from "../commands/input.ts";
import { restoreCommand, restoreInput } from "../commands/restore.ts";
import { saveCommand, saveInput } from "../commands/save.ts";
import { snapshotCommand } from "../commands/snapshot.ts";
import { snapshotsCommand } from "../commands/snapshots.ts";
import { alertProvisionFailure } from "../core/provision/failure-alert.ts";
import { runRestore, startRestore } from "../core/snapshots/restore.ts";
import { startSave } from "../core/snapshots/save.ts";
import { instanceJson } from "../render/json.ts";
import { snapshotJson } from "../render/snapshot-view.ts";
import { type Endpoint, queryFlag } from "./endpoint.ts";
import { EXAMPLE_SNAPSHOT, EXAMPLES } from "./examples.ts";
import {
  restoredSchema,
  snapshotActionSchema,
  snapshotListSchema,
  snapshotSchema,
} from "./response-schemas.ts";

// Save, list, keep, delete and restore snapshots. A snapshot is named by the id of the machine
// that was saved. Save and restore take minutes: they answer 202 once the request is checked and
// recorded, and go on in the background (GET /snapshots and GET /instances/{id} show how they end).

export const SNAPSHOT_ENDPOINTS: readonly Endpoint[] = [
  {
    method: "POST",
    path: "/instances/:id/save",
    verb: saveCommand,
    from: "none",
    status: 202,
    serialized: true,
    start: async (ctx, raw) => {
      const { id } = parseInput(saveInput, raw);
      const { snapshot, finish } = await startSave(ctx.deps, ctx.actor, id);
      // A failed snapshot is told to the owner by the save itself, and the machine is kept.
      return { json: snapshotJson(snapshot, null), rest: () => finish().then(() => {}) };
    },
    response: snapshotSchema,
    example: {
      response: { ...EXAMPLE_SNAPSHOT, status: "saving", imageId: null, sizeGb: null, monthly: null },
    },
  },
  {
    method: "GET",
    path: "/snapshots",
    verb: snapshotsCommand,
    from: "query",
    query: (q) => ({ all: queryFlag(q.all), user: q.user }),
    status: 200,
    response: snapshotListSchema,
    example: { query: { all: "false" }, response: [EXAMPLE_SNAPSHOT] },
  },
  {
    method: "DELETE",
    path: "/snapshots/:id",
    verb: snapshotCommand,
    operation: "deleteSnapshot",
    from: "none",
    fixed: () => ({ action: "delete" }),
    status: 200,
    response: snapshotActionSchema,
    example: {
      response: { ...EXAMPLE_SNAPSHOT, action: "delete", status: "deleted", monthly: null },
    },
  },
  {
    method: "POST",
    path: "/snapshots/:id/keep",
    verb: snapshotCommand,
    operation: "keepSnapshot",
    from: "none",
    fixed: () => ({ action: "keep" }),
    status: 200,
    response: snapshotActionSchema,
    example: {
      response: {
        ...EXAMPLE_SNAPSHOT,
        action: "keep",
        expiresAt: "2026-12-16T12:10:00.000Z",
        monthly: null,
      },
    },
  },
  {
    method: "POST",
    path: "/snapshots/:snapshot/restore",
    verb: restoreCommand,
    from: "body",
    status: 202,
    start: async (ctx, raw) => {
      const input = parseInput(restoreInput, raw);
      const { instance, snapshot } = await startRestore(ctx.deps, ctx.actor, {
        snapshotId: input.snapshot,
        hours: input.hours,
        serverType: input.serverType,
        location: input.location,
      });
      const rest = () =>
        runRestore(ctx.deps, instance, snapshot).then(
          () => {},
          (error: unknown) => void alertProvisionFailure(ctx.deps, instance, error),
        );
      return { json: { ...instanceJson(instance, ctx.deps.timing), restoredFrom: snapshot.id }, rest };
    },
    response: restoredSchema,
    example: {
      body: { hours: 4, serverType: "cx33" },
      response: {
        ...EXAMPLES.creating,
        id: "ccc-9m4p8r",
        serverType: "cx33",
        restoredFrom: EXAMPLE_SNAPSHOT.id,
      },
    },
  },
];
