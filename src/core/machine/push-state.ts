import type { CoreDeps } from "../deps.ts";
import { authorizedKeysOf, guestAccountsOf } from "../instances/access.ts";
import type { Instance } from "../instances/instance.ts";
import { withLease } from "../lifecycle/leases.ts";
import { retryDelayMs } from "../lifecycle/retry-delay.ts";
import { machineTarget, type SessionsEnded } from "../ports/machine.ts";
import { applyDocumentFor } from "./apply-document.ts";

/** What became of telling a machine its instance's state (owner, keys, expiry). */
export type PushOutcome =
  /**
   * The machine shows `expiresAt` (the latest one: a later extend's, if one came meanwhile); `sessions`:
   * the SSH sessions it ended as their key is no longer allowed, when there were any.
   */
  | { kind: "pushed"; expiresAt: Date; sessions?: SessionsEnded }
  /** Not tried: still installing (the install writes the expiry itself), or installed before host keys. */
  | { kind: "skipped"; reason: "not-ready" | "no-host-key" }
  /** Not there yet: tried again by the sweep from `retryAt`. `message` is safe to show a user. */
  | { kind: "pending"; message: string; retryAt: Date }
  /** The machine showed another host key: nothing sent, the admins alerted, not retried on its own. */
  | { kind: "alarm"; message: string };

/** Pushes to one machine never overlap, so an older document can never land after a newer one. */
export const machinePushLease = (instanceId: string) => `machine-push:${instanceId}`;

/**
 * Tells a ready machine what its instance record now says. The wish is stored first, so a push that
 * cannot happen now (or a crash mid-push) is left to the sweep; the document is always built from the
 * record as it is when sent, so a retry carries the latest expiry.
 */
export async function pushMachineState(deps: CoreDeps, instance: Instance): Promise<PushOutcome> {
  const skip = skipReason(instance);
  if (skip) return { kind: "skipped", reason: skip };
  const now = deps.clock.now().getTime();
  deps.store.machinePushes.want(instance.id, instance.expiresAt.getTime(), now + retryDelayMs(1));
  const attempt = await withLease(deps, machinePushLease(instance.id), () => pushNow(deps, instance.id));
  if (attempt.taken) return attempt.value;
  // The holder checks for a newer wish after its own push, so it carries this one too.
  return {
    kind: "pending",
    message: "another update to this machine is under way",
    retryAt: new Date(now + retryDelayMs(1)),
  };
}

/** One try at a stored wish, under the caller's lease; dropped when the machine is gone. */
export async function pushNow(deps: CoreDeps, instanceId: string): Promise<PushOutcome> {
  // Bounded: extends arriving faster than pushes finish are left to the sweep.
  for (let round = 0; round < 3; round++) {
    const current = deps.store.get(instanceId);
    const skip = current ? skipReason(current) : "not-ready";
    if (!current || skip) {
      deps.store.machinePushes.drop(instanceId);
      return { kind: "skipped", reason: skip ?? "not-ready" };
    }
    const keys = machineKeys(deps, current);
    const result = await deps.machine.apply(
      machineTarget(current, deps.timing.sshPort),
      applyDocumentFor(current, keys.claude, {
        machineId: deps.store.snapshots.machineIdOf(current.id),
        guestAccounts: keys.guestAccounts,
      }),
    );
    if (result.kind === "ok") {
      const expiry = current.expiresAt.getTime();
      if (!deps.store.machinePushes.landed(instanceId, expiry)) continue;
      // A share or unshare while this push was under way wants the same expiry but other keys.
      if (keysChanged(deps, current, keys)) {
        deps.store.machinePushes.want(instanceId, expiry, deps.clock.now().getTime());
        continue;
      }
      deps.log.info("machine shows the new expiry", { instance: instanceId });
      if (result.sessions) {
        deps.log.info("machine ended sessions of keys no longer allowed", {
          instance: instanceId,
          ...result.sessions,
        });
      }
      return {
        kind: "pushed",
        expiresAt: current.expiresAt,
        ...(result.sessions ? { sessions: result.sessions } : {}),
      };
    }
    const previous = deps.store.machinePushes.get(instanceId)?.attempts ?? 0;
    if (result.kind === "host-key-mismatch") {
      deps.store.machinePushes.failed(instanceId, {
        attempts: previous + 1,
        nextAt: deps.clock.now().getTime(),
        lastError: result.message,
        alarm: true,
      });
      deps.log.error("machine push stopped: host key mismatch", {
        instance: instanceId,
        reason: result.detail,
      });
      await deps.notifier.notify({
        kind: "admin_alert",
        text: `${result.message} The new expiry of ${instanceId} was not sent, and ccc will not try again on its own; the next extend tries once more.`,
      });
      return { kind: "alarm", message: result.message };
    }
    const attempts = previous + 1;
    const retryAt = new Date(deps.clock.now().getTime() + retryDelayMs(attempts));
    deps.store.machinePushes.failed(instanceId, {
      attempts,
      nextAt: retryAt.getTime(),
      lastError: result.message,
      alarm: false,
    });
    deps.log.warn("machine push failed; retried later", {
      instance: instanceId,
      attempts,
      outcome: result.kind,
      reason: result.detail,
    });
    return { kind: "pending", message: result.message, retryAt };
  }
  const retryAt = new Date(deps.clock.now().getTime());
  return { kind: "pending", message: "the expiry kept changing while it was sent", retryAt };
}

/** The keys that log in as claude, and the guest accounts without sudo with theirs. */
function machineKeys(deps: CoreDeps, instance: Instance) {
  return {
    claude: authorizedKeysOf(deps.store, instance),
    guestAccounts: guestAccountsOf(deps.store, instance),
  };
}

function keysChanged(deps: CoreDeps, sent: Instance, keys: ReturnType<typeof machineKeys>): boolean {
  return JSON.stringify(machineKeys(deps, deps.store.get(sent.id) ?? sent)) !== JSON.stringify(keys);
}

function skipReason(instance: Instance): "not-ready" | "no-host-key" | null {
  if (instance.status !== "ready") return "not-ready";
  if (!instance.hostKey || !instance.ipv4) return "no-host-key";
  return null;
}
