import type { ReconcileFinding, ReconcilePass } from "../lifecycle/reconcile-types.ts";
import { messageOf } from "../lifecycle/reconcile-types.ts";
import { KEPT_SELECTOR } from "./kept-addresses.ts";

/**
 * Compares the Primary IPs ccc keeps for sleeping machines (`ccc-kept` labels) with the store: one
 * that is unassigned and that no kept record names is an orphan (a lost row, another database, a
 * wake that could not hand it back). It is reported, and deleted only once the wake window its
 * `ccc-expires-at` label names is over; one still on a server is left to that server.
 */
export async function reconcileAddresses(pass: ReconcilePass): Promise<ReconcileFinding[]> {
  const { deps, options, now } = pass;
  const known = new Set(
    deps.store.keptAddresses.held().flatMap((k) => [k.ipv4Id, k.ipv6Id].filter((id) => id !== null)),
  );
  const findings: ReconcileFinding[] = [];
  for (const address of await deps.cloud.primaryIps.list(KEPT_SELECTOR)) {
    if (known.has(address.id) || address.assigneeId !== null) continue;
    const labelled = Number(address.labels["ccc-expires-at"]) * 1000;
    const endsAt = Number.isFinite(labelled) && labelled > 0 ? labelled : address.created.getTime();
    const instanceId = address.labels["ccc-instance"] ?? null;
    const detail = `Primary IP ${address.id} (${address.ip}, kept for ${instanceId ?? "no ccc-instance label"}): the store keeps no such address; its wake window ${endsAt <= now ? "has ended" : `ends ${new Date(endsAt).toISOString()}`}`;
    const finding = (
      action: ReconcileFinding["action"],
      outcome: ReconcileFinding["outcome"],
      error: string | null = null,
    ): ReconcileFinding => ({
      kind: "orphan_address",
      instanceId,
      serverId: null,
      detail,
      action,
      outcome,
      error,
    });
    if (endsAt > now) {
      findings.push(finding("wait", "waiting"));
      continue;
    }
    if (options.dryRun) {
      findings.push(finding("delete_address", "dry_run"));
      continue;
    }
    try {
      await deps.cloud.primaryIps.delete(address.id);
      deps.store.recordEvent(instanceId, { actor: "ccc", kind: "orphan_address_deleted", detail });
      await deps.notifier.notify({ kind: "admin_alert", text: `Deleted orphan address ${detail}.` });
      findings.push(finding("delete_address", "done"));
    } catch (error) {
      findings.push(finding("delete_address", "failed", messageOf(error)));
    }
  }
  return findings;
}
