import { z } from "zod";
import { instanceFor } from "../core/instances/actor.ts";
import type { Instance } from "../core/instances/instance.ts";
import type { CommandContext } from "./context.ts";
import { instanceDetails } from "./instance-view.ts";

export const statusInput = z.object({ id: z.string() });

export interface StatusResult {
  instance: Instance;
  /** Milliseconds until expiry; negative once past. */
  timeLeftMs: number;
}

export function status(ctx: CommandContext, input: z.infer<typeof statusInput>): StatusResult {
  const instance = instanceFor(ctx.deps.store, ctx.actor, statusInput.parse(input).id, "see");
  return { instance, timeLeftMs: instance.expiresAt.getTime() - ctx.deps.clock.now().getTime() };
}

export function statusText(result: StatusResult, now: Date): string {
  return instanceDetails(result.instance, now);
}
