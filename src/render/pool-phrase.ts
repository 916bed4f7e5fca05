import type { Instance } from "../core/instances/instance.ts";
import { poolOutcomeOf } from "../core/pool/pool-outcome.ts";

/** How long the machine will take, as the "being created" message says it. */
export function creatingPhrase(i: Instance): string {
  const outcome = poolOutcomeOf(i);
  if (outcome === "claimed") {
    // Extras are installed after the handover: large ones take minutes, and "ready" waits for them.
    return (i.packages ?? []).length > 0
      ? "from the warm pool, a few seconds, then its extra software (large packages take minutes)"
      : "from the warm pool, a few seconds";
  }
  if (outcome === "fallback") {
    return "about 5 minutes (the warm pool's machine could not be handed over, so a fresh one is installed)";
  }
  return "about 5 minutes";
}

/** " in 4 s from the pool" for a pool hit, else nothing: said after "is ready". */
export function readyPhrase(i: Instance): string {
  if (poolOutcomeOf(i) !== "hit" || !i.readyAt) return "";
  const seconds = Math.max(0, Math.round((i.readyAt.getTime() - i.createdAt.getTime()) / 1000));
  return ` in ${seconds} s from the pool`;
}

/** A note on a CLI progress line: whether the pool's machine is being handed over or replaced. */
export function poolProgressNote(i: Instance): string {
  const outcome = poolOutcomeOf(i);
  if (outcome === "claimed") return " [from the warm pool]";
  if (outcome === "fallback")
    return " [the pool's machine could not be handed over: installing a fresh one, about 5 minutes]";
  return "";
}
