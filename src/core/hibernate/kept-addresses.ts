import { fixedDecimal, parseDecimal } from "../billing/money.ts";
import { MANAGED_SELECTOR } from "../cloud/server-labels.ts";
import type { CoreDeps } from "../deps.ts";
import type { Instance } from "../instances/instance.ts";
import type { PrimaryIpIds } from "../ports/cloud.ts";
import type { KeptAddresses } from "../store/store.ts";

// A woken machine answers on the same `ssh` line: its server's Primary IPs are kept over the sleep.
// Hetzner makes a server's Primary IPs with `auto_delete: true`; before a hibernation deletes the
// server, ccc turns that off and labels them, so they outlive it (unassigned, billed on their own);
// the wake creates the new server with them; after the wake they are `auto_delete` again and go
// with the server when the machine ends. Kept addresses whose sleep ended (or whose snapshot is
// gone) are deleted by the idle pass; reconcile finds labelled ones nobody knows.

/** The label that marks a Primary IP ccc keeps for a hibernated machine (the reconciler looks for it). */
export const KEPT_LABEL = "ccc-kept";
export const KEPT_SELECTOR = `${MANAGED_SELECTOR},${KEPT_LABEL}`;

/**
 * Keeps the server's Primary IPs past its deletion: `auto_delete` off, labelled with the machine and
 * until when it can be woken. Never fails the hibernation: when Hetzner refuses, the machine still
 * sleeps and wakes with a new address (null, the reason logged and in its events).
 */
export async function keepAddresses(
  deps: CoreDeps,
  instance: Instance,
  wakeableUntil: Date,
): Promise<KeptAddresses | null> {
  const serverId = instance.hetznerServerId;
  if (serverId === null) return null;
  const ids: number[] = [];
  try {
    const server = await deps.cloud.getServer(serverId);
    const primary = server?.primaryIpIds;
    if (!server || !primary || (primary.ipv4 === null && primary.ipv6 === null)) {
      throw new Error("Hetzner named no Primary IPs for the server");
    }
    const labels = keptLabels(instance, wakeableUntil);
    for (const id of [primary.ipv4, primary.ipv6]) {
      if (id === null) continue;
      await deps.cloud.primaryIps.update(id, { autoDelete: false, labels });
      ids.push(id);
    }
    const kept = deps.store.keptAddresses.keep({
      instanceId: instance.id,
      owner: instance.owner,
      location: instance.location,
      ipv4Id: primary.ipv4,
      ipv4: server.ipv4,
      ipv6Id: primary.ipv6,
      ipv6: server.ipv6,
      hourly: await addressPrice(deps, instance.location, primary),
      keptAt: deps.clock.now(),
    });
    deps.store.recordEvent(instance.id, {
      actor: "ccc",
      kind: "address_kept",
      detail: `Primary IPs ${ids.join(", ")} (${[server.ipv4, server.ipv6].filter(Boolean).join(", ")}) kept for the wake`,
    });
    return kept;
  } catch (error) {
    // Those already turned off would outlive the server with nobody to delete them: on again.
    for (const id of ids) await deps.cloud.primaryIps.update(id, { autoDelete: true }).catch(() => {});
    const reason = error instanceof Error ? error.message : String(error);
    deps.log.warn("address not kept over the hibernation", { instance: instance.id, reason });
    deps.store.recordEvent(instance.id, { actor: "ccc", kind: "address_not_kept", detail: reason });
    return null;
  }
}

/**
 * The kept Primary IPs for the wake's server, those still there and free: one deleted meanwhile (by
 * hand, at Hetzner) is left out, so the wake is not refused for ever; the machine then gets a new
 * address there (said in its events). Undefined when none is kept.
 */
export async function usableKeptAddresses(
  deps: CoreDeps,
  instanceId: string,
): Promise<PrimaryIpIds | undefined> {
  const kept = deps.store.keptAddresses.current(instanceId);
  if (!kept) return undefined;
  const usable = async (id: number | null) => {
    if (id === null) return null;
    const found = await deps.cloud.primaryIps.get(id);
    return found && found.assigneeId === null ? id : null;
  };
  const ids = { ipv4: await usable(kept.ipv4Id), ipv6: await usable(kept.ipv6Id) };
  if (ids.ipv4 !== kept.ipv4Id || ids.ipv6 !== kept.ipv6Id) {
    deps.store.recordEvent(instanceId, {
      actor: "ccc",
      kind: "address_lost",
      detail: `kept Primary IP ${ids.ipv4 === kept.ipv4Id ? kept.ipv6Id : kept.ipv4Id} is gone or taken; the wake gets a new address`,
    });
  }
  return ids.ipv4 === null && ids.ipv6 === null ? undefined : ids;
}

/**
 * After a wake: the addresses are on the new server, so they go with it again when the machine ends
 * (`auto_delete` on, the kept label off). A refusal is logged: reconcile finds them by their labels.
 */
export async function addressesBackOnServer(deps: CoreDeps, instance: Instance): Promise<void> {
  const kept = deps.store.keptAddresses.current(instance.id);
  if (!kept) return;
  deps.store.keptAddresses.release(kept.id, "woken", deps.clock.now());
  const labels = { "managed-by": "ccc", "ccc-instance": instance.id };
  for (const id of [kept.ipv4Id, kept.ipv6Id]) {
    if (id === null) continue;
    try {
      await deps.cloud.primaryIps.update(id, { autoDelete: true, labels });
    } catch (error) {
      deps.log.warn("woken machine's Primary IP not set to go with its server", {
        instance: instance.id,
        primaryIp: id,
        reason: String(error),
      });
    }
  }
}

/**
 * Deletes kept addresses that no wake will use: the sleep ended (past the hibernation window) or was
 * closed, or its snapshot is gone. Returns the instance ids whose addresses were deleted; one Hetzner
 * refuses stays kept and is tried again next pass.
 */
export async function releaseStaleAddresses(deps: CoreDeps): Promise<string[]> {
  const released: string[] = [];
  for (const kept of deps.store.keptAddresses.held()) {
    const sleep = deps.store.hibernation.current(kept.instanceId);
    const snapshot = deps.store.snapshots.get(kept.instanceId);
    if (sleep && snapshot?.status === "available") continue;
    if (await deleteKept(deps, kept)) released.push(kept.instanceId);
  }
  return released;
}

/** Deletes both addresses and records them released; false when Hetzner refused (tried again later). */
export async function deleteKept(deps: CoreDeps, kept: KeptAddresses): Promise<boolean> {
  try {
    for (const id of [kept.ipv4Id, kept.ipv6Id]) if (id !== null) await deps.cloud.primaryIps.delete(id);
  } catch (error) {
    deps.log.warn("kept Primary IP not deleted; tried again later", {
      instance: kept.instanceId,
      reason: String(error),
    });
    return false;
  }
  if (!deps.store.keptAddresses.release(kept.id, "deleted", deps.clock.now())) return false;
  deps.store.recordEvent(kept.instanceId, {
    actor: "ccc",
    kind: "address_released",
    detail: `Primary IPs of ${[kept.ipv4, kept.ipv6].filter(Boolean).join(", ")} deleted: no wake will use them`,
  });
  return true;
}

/** Labels on a kept Primary IP: whose, and until when a wake may use it (the reconciler's clue). */
export function keptLabels(instance: Pick<Instance, "id" | "owner">, until: Date): Record<string, string> {
  const owner: Record<string, string> = /^[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(
    instance.owner,
  )
    ? { "ccc-owner": instance.owner }
    : {};
  return {
    "managed-by": "ccc",
    "ccc-instance": instance.id,
    [KEPT_LABEL]: "hibernation",
    "ccc-expires-at": String(Math.floor(until.getTime() / 1000)),
    ...owner,
  };
}

/** Gross € per hour for the kept addresses in `location`, from Hetzner's price list; null when unknown. */
async function addressPrice(deps: CoreDeps, location: string, ids: PrimaryIpIds): Promise<string | null> {
  try {
    const prices = (await deps.cloud.getPricing()).primaryIps;
    if (!prices) return null;
    let total = 0n;
    for (const type of ["ipv4", "ipv6"] as const) {
      if (ids[type] === null) continue;
      const hourly = prices.find((p) => p.type === type)?.prices.find((p) => p.location === location)?.hourly;
      if (hourly === undefined) return null;
      total += parseDecimal(hourly, "Primary IP price");
    }
    return fixedDecimal(total, 10);
  } catch (error) {
    deps.log.warn("Primary IP price unknown; its cost while asleep is not counted", {
      reason: String(error),
    });
    return null;
  }
}
