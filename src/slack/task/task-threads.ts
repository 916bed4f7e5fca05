import type { WebClient } from "../../adapters/slack/web-client.ts";
import type { CoreDeps } from "../../core/deps.ts";
import { isLive } from "../../core/instances/instance.ts";
import type { Logger } from "../../core/ports/logger.ts";
import { isTaskActive, type Task } from "../../core/tasks/task.ts";
import { taskStatusMessage, taskStatusView } from "../../render/block-kit/task-blocks.ts";
import { addEvents, emptyActivity, type TaskActivity } from "../../render/task-activity.ts";
import type { ChannelPacer } from "./channel-pacer.ts";
import { StatusMessage } from "./status-message.ts";

// Every task with a Slack thread keeps its one status message true to the store: whoever follows the
// task (this bot, or this bot again after a restart), its events land in the store, and the message is
// drawn from there when the channel's turn comes, so the newest state is what Slack shows and an event
// is never shown twice. A task is watched while it runs and until its machine's fate is shown.

interface Watched {
  activity: TaskActivity;
  /** What the message last showed, to skip edits that change nothing. */
  shownKey: string;
  lastEditAt: number;
  message: StatusMessage;
}

export interface TaskThreadsOptions {
  /** How often the store is looked at for news of tasks started elsewhere or before a restart. */
  pollMs?: number;
  /** How often a running task's message is edited without news (its elapsed time). */
  tickMs?: number;
}

/** The live status messages of tasks' Slack threads. */
export class TaskThreads {
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | null = null;
  private readonly pollMs: number;
  private readonly tickMs: number;

  constructor(
    private readonly deps: Pick<CoreDeps, "store" | "clock">,
    private readonly client: WebClient,
    private readonly log: Logger,
    readonly pacer: ChannelPacer,
    options: TaskThreadsOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 500;
    this.tickMs = options.tickMs ?? 15_000;
  }

  /** Starts watching the store: running tasks with a thread (after a restart, too) are picked up. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.poll(), this.pollMs);
    this.timer.unref();
    this.poll();
  }

  /** Stops watching and waits for the edits already due. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.pacer.idle();
  }

  /** Redraws the task's status message (paced); resolves once that state or a newer one is in Slack. */
  refresh(taskId: string): Promise<void> {
    const task = this.deps.store.tasks.get(taskId);
    const place = task?.slack;
    if (!task || !place?.statusTs) return Promise.resolve();
    let watched = this.watched.get(taskId);
    if (!watched) {
      watched = {
        activity: emptyActivity(),
        shownKey: "",
        lastEditAt: 0,
        message: new StatusMessage(this.client, this.log, this.pacer, place.channel, place.statusTs),
      };
      this.watched.set(taskId, watched);
    }
    // The task's message moved (a reply recorded with its thread's first message, then given its own).
    if (watched.message.ts !== place.statusTs || watched.message.channel !== place.channel) {
      watched.message = new StatusMessage(this.client, this.log, this.pacer, place.channel, place.statusTs);
      watched.shownKey = "";
    }
    const entry = watched;
    // A failed edit is drawn again at the next look (nothing newer may come to overtake it).
    return entry.message.showWith(
      () => this.draw(taskId, entry),
      () => {
        entry.shownKey = "";
        if (!this.watched.has(taskId)) this.watched.set(taskId, entry);
      },
    );
  }

  /** The message as the store has the task now (read when the channel's turn comes). */
  private draw(taskId: string, entry: Watched) {
    const task = this.deps.store.tasks.get(taskId) as Task;
    entry.activity = addEvents(
      entry.activity,
      task,
      this.deps.store.tasks.events(taskId, entry.activity.lastSeq, 5_000),
    );
    const instance = task.instanceId ? this.deps.store.get(task.instanceId) : null;
    const machineUp = instance !== null && isLive(instance.status) && instance.status !== "deleting";
    const now = this.deps.clock.now();
    entry.shownKey = this.keyOf(task, entry.activity, machineUp, instance?.expiresAt);
    entry.lastEditAt = now.getTime();
    if (!isTaskActive(task.status) && !machineUp) this.watched.delete(taskId);
    return taskStatusMessage(
      taskStatusView(task, entry.activity, machineUp, now, machineUp ? (instance?.expiresAt ?? null) : null),
    );
  }

  private keyOf(task: Task, activity: TaskActivity, machineUp: boolean, expiresAt?: Date): string {
    // The deadline too: the end of the grace is shown under the result.
    return [
      task.status,
      task.turns,
      task.keep,
      task.instanceId,
      activity.lastSeq,
      machineUp,
      expiresAt?.getTime(),
    ].join("|");
  }

  /** Looks for news: tasks running with a thread, and those still shown as running here. */
  private poll(): void {
    try {
      const now = this.deps.clock.now().getTime();
      const candidates = new Map<string, Task>();
      for (const task of this.deps.store.tasks.active())
        if (task.slack?.statusTs) candidates.set(task.id, task);
      for (const id of this.watched.keys()) {
        const task = this.deps.store.tasks.get(id);
        if (task) candidates.set(id, task);
      }
      for (const task of candidates.values()) {
        const entry = this.watched.get(task.id);
        if (!entry) {
          void this.refresh(task.id);
          continue;
        }
        const lastSeq = this.deps.store.tasks.lastEvents(task.id, 1)[0]?.seq ?? 0;
        const instance = task.instanceId ? this.deps.store.get(task.instanceId) : null;
        const machineUp = instance !== null && isLive(instance.status) && instance.status !== "deleting";
        const key = this.keyOf(task, { ...entry.activity, lastSeq }, machineUp, instance?.expiresAt);
        const stale = isTaskActive(task.status) && now - entry.lastEditAt >= this.tickMs;
        if (key !== entry.shownKey || stale) void this.refresh(task.id);
      }
    } catch (error) {
      this.log.warn("task threads poll failed", { error: String(error) });
    }
  }
}
