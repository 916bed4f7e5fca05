/**
 * One step of a long-running piece of work, as every door shows it: a DM edited in place, a CLI progress
 * line, the events of a pollable API resource, the dashboard page. Core emits these; `src/commands`
 * re-exports the type for the verbs.
 */
export interface ProgressEvent {
  /** Short and stable, for machines and for the text: `creating`, `installing`, `cloning`, `tool`. */
  step: string;
  /** Milliseconds since the work was accepted. */
  elapsedMs: number;
  /** A person's words about the step ("installing NixOS", "Edit src/login.ts"). */
  detail?: string;
}

/** Where core sends its progress: a door's callback, or the adapter that turns them into a stream. */
export type Emit<E extends ProgressEvent = ProgressEvent> = (event: E) => void;
