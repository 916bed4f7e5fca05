import { restoreCommand } from "../commands/restore.ts";
import { saveCommand } from "../commands/save.ts";
import { snapshotCommand } from "../commands/snapshot.ts";
import { snapshotsCommand } from "../commands/snapshots.ts";
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
