import type { Logger } from "../core/ports/logger.ts";

/** Work that runs after an ack (provisions, DMs): errors are logged, and shutdown can wait for it. */
export class BackgroundTasks {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  run(name: string, work: () => Promise<void>): void {
    const task = work()
      .catch((error: unknown) => {
        this.log.error("background task failed", {
          task: name,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
      })
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  /** Runs `work` as part of the current listener, but lets shutdown wait for it; errors pass through. */
  track<T>(work: () => Promise<T>): Promise<T> {
    const result = work();
    const task = result.then(
      () => {},
      () => {},
    );
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
    return result;
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves once nothing runs (work started meanwhile is waited for too). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
