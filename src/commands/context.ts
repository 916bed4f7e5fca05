import type { CoreDeps } from "../core/deps.ts";
import type { Actor } from "../core/instances/actor.ts";

/** What every command gets: the core's dependencies and who is asking. */
export interface CommandContext {
  deps: CoreDeps;
  actor: Actor;
}
