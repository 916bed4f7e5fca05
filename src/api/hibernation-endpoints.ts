import { hibernateCommand } from "../commands/hibernate.ts";
import { keepAwakeCommand } from "../commands/keep-awake.ts";
import { wakeCommand } from "../commands/wake.ts";
import type { Endpoint } from "./endpoint.ts";
import { EXAMPLE_ID, EXAMPLES } from "./examples.ts";
import { hibernatedSchema, keptAwakeSchema, wakingSchema } from "./response-schemas.ts";

// Hibernation: wake a sleeping machine (202 once checked and recorded; it boots in the background and
// GET /instances/{id} shows it ready), hibernate one now, keep one awake.

export const HIBERNATION_ENDPOINTS: readonly Endpoint[] = [
  {
    method: "POST",
    path: "/instances/:id/wake",
    verb: wakeCommand,
    from: "none",
    status: 202,
    serialized: true,
    response: wakingSchema,
    example: { response: { ...EXAMPLES.creating, woken: false } },
  },
  {
    method: "POST",
    path: "/instances/:id/hibernate",
    verb: hibernateCommand,
    from: "none",
    status: 200,
    serialized: true,
    response: hibernatedSchema,
    example: { response: { id: EXAMPLE_ID, hibernated: true } },
  },
  {
    method: "POST",
    path: "/instances/:id/keep-awake",
    verb: keepAwakeCommand,
    from: "body",
    status: 200,
    response: keptAwakeSchema,
    example: {
      body: { hours: 3 },
      response: {
        id: EXAMPLE_ID,
        lastActiveAt: "2026-12-07T09:00:00.000Z",
        keepAwakeUntil: "2026-12-07T12:00:00.000Z",
      },
    },
  },
];
