import type { Clock } from "../core/ports/clock.ts";

export const DUPLICATE = Symbol("duplicate click");

/**
 * Makes buttons safe to click twice: actions on one instance run one after another, and the same
 * click (same user, button, instance and message) repeated within a few seconds is not done again.
 */
export class ActionGate {
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly recent = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly windowMs = 5_000,
  ) {}

  async run<T>(instanceId: string, clickKey: string, work: () => Promise<T>): Promise<T | typeof DUPLICATE> {
    const now = this.clock.now().getTime();
    for (const [key, at] of this.recent) if (now - at > this.windowMs) this.recent.delete(key);
    if (this.recent.has(clickKey)) return DUPLICATE;
    this.recent.set(clickKey, now);
    return this.serial(instanceId, work);
  }

  /** Runs `work` after every earlier action on the same instance has finished. */
  async serial<T>(instanceId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(instanceId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(work);
    this.chains.set(instanceId, next);
    try {
      return await next;
    } finally {
      if (this.chains.get(instanceId) === next) this.chains.delete(instanceId);
    }
  }
}
