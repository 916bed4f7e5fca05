import type { Clock } from "../../core/ports/clock.ts";

// Slack allows about one message write per second per channel. A task's thread shows one status
// message edited in place; events come much faster than that, and several tasks may share a channel.
// So edits are coalesced per message (only the newest version of each waits) and each channel gets at
// most one write per interval, counted from when the previous write was answered (so Slack itself
// sees them at least that far apart). Messages of one channel take turns. The newest version always lands.

interface Waiting {
  write: () => Promise<void>;
  landed: (() => void)[];
}

interface Channel {
  /** When the last write to the channel was answered (epoch ms). */
  lastAt: number;
  waiting: Map<string, Waiting>;
  draining: Promise<void> | null;
}

/** Paces writes to Slack channels: at most one per `intervalMs` per channel, newest version per message. */
export class ChannelPacer {
  private readonly channels = new Map<string, Channel>();

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs = 1_000,
  ) {}

  /**
   * Queues `write` for the message `key` in `channel`, replacing a version still waiting. Resolves once
   * this version, or a newer one, has been written (a failed write is the writer's to report).
   */
  update(channel: string, key: string, write: () => Promise<void>): Promise<void> {
    const ch = this.channel(channel);
    const replaced = ch.waiting.get(key);
    ch.waiting.delete(key); // a newer version waits its turn behind the channel's other messages
    const landed = new Promise<void>((resolve) => {
      ch.waiting.set(key, { write, landed: [...(replaced?.landed ?? []), resolve] });
    });
    this.kick(ch);
    return landed;
  }

  /** Drains the channel unless it is draining; a version queued as the drain ended starts it again. */
  private kick(ch: Channel): void {
    if (ch.draining) return;
    ch.draining = this.drain(ch).finally(() => {
      ch.draining = null;
      if (ch.waiting.size > 0) this.kick(ch);
    });
  }

  /** Writes at once (a new message, which cannot wait) and counts it against the channel's interval. */
  async now<T>(channel: string, write: () => Promise<T>): Promise<T> {
    const ch = this.channel(channel);
    try {
      return await write();
    } finally {
      ch.lastAt = this.clock.now().getTime();
    }
  }

  /** Resolves once nothing waits in any channel. */
  async idle(): Promise<void> {
    for (;;) {
      const draining = [...this.channels.values()].flatMap((c) => (c.draining ? [c.draining] : []));
      if (draining.length === 0) return;
      await Promise.all(draining);
    }
  }

  private channel(id: string): Channel {
    let ch = this.channels.get(id);
    if (!ch) {
      this.forgetQuiet();
      ch = { lastAt: Number.NEGATIVE_INFINITY, waiting: new Map(), draining: null };
      this.channels.set(id, ch);
    }
    return ch;
  }

  private async drain(ch: Channel): Promise<void> {
    // Let the caller's synchronous updates coalesce before the first write.
    await Promise.resolve();
    for (;;) {
      const next = ch.waiting.entries().next();
      if (next.done) return;
      const wait = ch.lastAt + this.intervalMs - this.clock.now().getTime();
      if (wait > 0) {
        await this.clock.sleep(wait);
        continue; // newer versions may have replaced it meanwhile
      }
      const [key, waiting] = next.value;
      ch.waiting.delete(key);
      try {
        await waiting.write();
      } catch {
        // The writer logs its own failures; a failed edit must not stop the channel's queue.
      } finally {
        ch.lastAt = this.clock.now().getTime();
        for (const resolve of waiting.landed) resolve();
      }
    }
  }

  /** Channels with nothing waiting and no write for a minute are forgotten (they are past any limit). */
  private forgetQuiet(): void {
    const now = this.clock.now().getTime();
    for (const [id, ch] of this.channels) {
      if (!ch.draining && ch.waiting.size === 0 && now - ch.lastAt > 60_000) this.channels.delete(id);
    }
  }
}
