import { QuotaError } from "../errors.ts";

/**
 * How many more machines an owner may have while `live` of theirs are live: the one quota rule.
 * The store applies it inside the insert's transaction; the Slack form asks it before it opens.
 */
export function machinesLeft(live: number, maxPerOwner: number): number {
  return Math.max(0, maxPerOwner - live);
}

/** The refusal for an owner at the limit, naming their machines when known. */
export function overQuota(
  live: number,
  maxPerOwner: number,
  options: { ids?: readonly string[]; deleteWith?: string } = {},
): QuotaError {
  const which = options.ids?.length ? ` (${options.ids.join(", ")})` : "";
  const how = options.deleteWith ? ` with ${options.deleteWith}` : "";
  return new QuotaError(
    `You already have ${live} machine${live === 1 ? "" : "s"} running${which}; the limit is ${maxPerOwner}. Delete one first${how}.`,
  );
}
