import type { CoreDeps } from "../core/deps.ts";
import type { Actor } from "../core/instances/actor.ts";

/** What every command gets: the core's dependencies and who is asking. */
export interface CommandContext {
  deps: CoreDeps;
  actor: Actor;
  /** Where a long command says how it is getting on (the CLI's stderr); none by default. */
  report?: (line: string) => void;
}
