import { z } from "zod";
import { extend as extendCore } from "../core/instances/extend.ts";
import type { Instance } from "../core/instances/instance.ts";
import type { CommandContext } from "./context.ts";
import { formatUtc, leftPhrase } from "./instance-view.ts";

export const extendInput = z.object({ id: z.string(), hours: z.union([z.string(), z.number()]) });

export function extend(ctx: CommandContext, input: z.infer<typeof extendInput>): Promise<Instance> {
  const { id, hours } = extendInput.parse(input);
  return extendCore(ctx.deps, ctx.actor, id, hours);
}

export function extendText(instance: Instance, now: Date): string {
  return `${instance.id} now expires at ${formatUtc(instance.expiresAt)} (${leftPhrase(instance.expiresAt, now)}).`;
}
