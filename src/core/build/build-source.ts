import type { CoreDeps } from "../deps.ts";
import type { Instance } from "../instances/instance.ts";
import type { PoolMember, Snapshot } from "../store/store.ts";

/**
 * Where a machine comes from; everything else about making it ready (labels, adoption, leases,
 * still-wanted checks, progress, failure cleanup, secrets, workspace) is the pipeline's, the same for all.
 * - `fresh`: a new server from the base image, NixOS installed on it.
 * - `pool`: a warm machine claimed for the request, handed over (a fresh install if that fails).
 * - `snapshot`: a new server from a saved image, its saved host key pinned (no installer).
 */
export type BuildSource =
  | { kind: "fresh" }
  | { kind: "pool"; member: PoolMember }
  | { kind: "snapshot"; image: Snapshot };

/** A recorded provision's source: the pool machine claimed for it when there is one, else a fresh install. */
export function provisionSource(deps: CoreDeps, recorded: Instance): BuildSource {
  const member = deps.store.pool.get(recorded.id);
  return member?.state === "claimed" ? { kind: "pool", member } : { kind: "fresh" };
}
