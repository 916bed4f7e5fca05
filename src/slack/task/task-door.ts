import type { TaskThreads } from "./task-threads.ts";

/** What the Slack door of tasks needs besides the bot. */
export interface TaskDoor {
  /** The live status messages of tasks' threads. */
  threads: TaskThreads;
  /** Aborted when the bot stops: the door stops following its tasks (the next bot takes them up). */
  stopping: AbortSignal;
}
