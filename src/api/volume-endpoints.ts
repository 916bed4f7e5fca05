import { volumeCommand } from "../commands/volume.ts";
import { volumesCommand } from "../commands/volumes.ts";
import { type Endpoint, queryFlag } from "./endpoint.ts";
import { EXAMPLE_VOLUME } from "./examples.ts";
import { volumeDeletedSchema, volumeListSchema } from "./response-schemas.ts";

// Work volumes, named by Hetzner's volume id.

export const VOLUME_ENDPOINTS: readonly Endpoint[] = [
  {
    method: "GET",
    path: "/volumes",
    verb: volumesCommand,
    from: "query",
    query: (q) => ({ all: queryFlag(q.all), user: q.user }),
    status: 200,
    response: volumeListSchema,
    example: { query: { all: "false" }, response: [EXAMPLE_VOLUME] },
  },
  {
    method: "DELETE",
    path: "/volumes/:id",
    param: { pattern: "^[0-9]{1,12}$", example: String(EXAMPLE_VOLUME.id) },
    verb: volumeCommand,
    from: "none",
    // Slack asks first with a button; a DELETE is the asking done.
    fixed: () => ({ action: "delete", confirmed: true }),
    status: 200,
    response: volumeDeletedSchema,
    example: {
      response: { kind: "deleted", id: EXAMPLE_VOLUME.id, owner: EXAMPLE_VOLUME.owner, ownerName: "Alice" },
    },
  },
];
