import { z } from "zod";
import { ForbiddenError } from "../core/errors.ts";
import type { Instance } from "../core/instances/instance.ts";
import type { CommandContext } from "./context.ts";
import { instanceTable } from "./instance-view.ts";

export const listInput = z.object({ all: z.boolean().default(false) });

export interface ListResult {
  instances: Instance[];
  all: boolean;
}

/** The actor's live instances, or everyone's for an admin asking for all. */
export function list(ctx: CommandContext, input: z.input<typeof listInput>): ListResult {
  const { all } = listInput.parse(input);
  if (all && !ctx.actor.isAdmin) throw new ForbiddenError("Only admins can list everyone's machines.");
  const instances = ctx.deps.store.list(all ? {} : { owner: ctx.actor.id });
  return { instances, all };
}

export function listText(result: ListResult, now: Date): string {
  return instanceTable(result.instances, now, result.all);
}
