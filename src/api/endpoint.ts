import type * as z from "zod";
import type { Command } from "../commands/command.ts";
import type { HttpRoute } from "../commands/http-route.ts";

export { queryFlag } from "../commands/http-route.ts";

/**
 * One `/api/v1` route with its verb: a verb declares its routes in its own file (`doors.http`), and
 * the API serves every verb of the registry that has one.
 */
export interface Endpoint extends Omit<HttpRoute, "response"> {
  verb: Command;
  /** The answer's schema (the route names it; src/render/schemas/responses.ts has it). */
  response: z.ZodType;
}
