import { randomUUID } from "node:crypto";
import type { CoreDeps } from "../deps.ts";

/**
 * Short enough that a crashed process's work is picked up within minutes, long enough that a
 * busy event loop never lets a held lease lapse (it is renewed every third of it).
 */
export const LEASE_TTL_MS = 2 * 60_000;

/** A lease this process holds; `release` is safe to call twice. */
export interface HeldLease {
  readonly name: string;
  readonly holder: string;
  release(): void;
}

export const instanceLease = (instanceId: string) => `instance:${instanceId}`;
export const serverLease = (serverId: number) => `server:${serverId}`;

/**
 * Takes the named lease in SQLite and keeps it alive on `deps.clock` until released, or answers
 * `null` when another holder (another process, or another job of this one) has it.
 */
export function takeLease(deps: CoreDeps, name: string, ttlMs = LEASE_TTL_MS): HeldLease | null {
  const holder = randomUUID();
  const now = deps.clock.now().getTime();
  if (!deps.store.acquireLease(name, holder, now + ttlMs, now)) return null;
  const stop = new AbortController();
  void renewUntilStopped(deps, name, holder, ttlMs, stop.signal);
  return {
    name,
    holder,
    release: () => {
      if (stop.signal.aborted) return;
      stop.abort(new Error("lease released"));
      try {
        deps.store.releaseLease(name, holder);
      } catch (error) {
        // A closed database at shutdown: the lease simply expires.
        deps.log.warn("lease release failed", { lease: name, reason: String(error) });
      }
    },
  };
}

/** Runs `work` under the lease; `{ taken: false }` without running it when someone else holds it. */
export async function withLease<T>(
  deps: CoreDeps,
  name: string,
  work: () => Promise<T>,
): Promise<{ taken: true; value: T } | { taken: false }> {
  const lease = takeLease(deps, name);
  if (!lease) return { taken: false };
  try {
    return { taken: true, value: await work() };
  } finally {
    lease.release();
  }
}

async function renewUntilStopped(
  deps: CoreDeps,
  name: string,
  holder: string,
  ttlMs: number,
  signal: AbortSignal,
): Promise<void> {
  for (;;) {
    try {
      await deps.clock.sleep(Math.floor(ttlMs / 3), signal);
    } catch {
      return;
    }
    if (signal.aborted) return;
    try {
      if (!deps.store.renewLease(name, holder, deps.clock.now().getTime() + ttlMs)) {
        deps.log.warn("lease lost", { lease: name });
        return;
      }
    } catch (error) {
      deps.log.warn("lease renewal failed", { lease: name, reason: String(error) });
      return;
    }
  }
}
