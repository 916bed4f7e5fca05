import { z } from "zod";
import { type DeprovisionResult, deprovision as deprovisionCore } from "../core/instances/deprovision.ts";
import type { CommandContext } from "./context.ts";

export const deprovisionInput = z.object({ id: z.string() });

export function deprovision(
  ctx: CommandContext,
  input: z.infer<typeof deprovisionInput>,
): Promise<DeprovisionResult> {
  return deprovisionCore(ctx.deps, ctx.actor, deprovisionInput.parse(input).id);
}

export function deprovisionText(result: DeprovisionResult): string {
  const { instance, changed } = result;
  if (changed) return `${instance.id} deleted; its server is gone.`;
  if (instance.status === "failed") return `${instance.id} had failed; its server was already removed.`;
  return `${instance.id} was already deleted.`;
}
