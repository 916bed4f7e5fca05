import type { Actor } from "../core/actor.ts";
import type { CoreDeps } from "../core/deps.ts";

/** What every command gets: the core's dependencies and who is asking. */
export interface CommandContext {
  deps: CoreDeps;
  actor: Actor;
}
