import type { TaskThreads } from "./task-threads.ts";

/** What the Slack door of tasks needs besides the bot: the live status messages of tasks' threads. */
export interface TaskDoor {
  threads: TaskThreads;
}
