import type { CoreDeps } from "../deps.ts";
import { UserError } from "../errors.ts";
import { type Actor, onlyAdminsMay } from "../instances/actor.ts";
import type { Instance } from "../instances/instance.ts";
import type { LastRequest } from "../store/store.ts";

export type { LastRequest } from "../store/store.ts";

/** After a machine is handed over: what its owner asked for becomes what `again` repeats. */
export function rememberRequest(deps: CoreDeps, instance: Instance): void {
  deps.store.lastRequests.put(
    instance.owner,
    {
      serverType: instance.serverType,
      location: instance.location,
      hours: instance.requestedHours ?? deps.policy.defaultHours,
      packages: instance.packages ?? [],
    },
    deps.clock.now(),
  );
}

/** What `again` needs: the person's last request and their current (last used) key. */
export interface AgainPlan {
  owner: string;
  request: LastRequest;
  key: string;
}

/**
 * The request to repeat for `owner`; only the person or an admin may ask. No earlier request (or no
 * key to use) is a UserError that says what to do instead.
 */
export function planAgain(deps: CoreDeps, actor: Actor, owner: string): AgainPlan {
  onlyAdminsMay(actor, "repeat someone else's request", owner);
  const request = deps.store.lastRequests.get(owner);
  const key = deps.store.currentKeyOf(owner);
  if (!request || !key) {
    const who = owner === actor.id ? "You have" : `${owner} has`;
    throw new UserError(
      `${who} no earlier machine to repeat. Ask for one with provision first; again repeats the last one that was handed over.`,
      { code: "no_earlier_request" },
    );
  }
  return { owner, request, key };
}

/** "cx23 in fsn1 for 4 h, with python3, go": a request in a few words. */
export function describeRequest(r: LastRequest): string {
  const extras = r.packages.length > 0 ? `, with ${r.packages.join(", ")}` : "";
  const repo = r.repo ? `, from ${r.repo}` : "";
  return `${r.serverType} in ${r.location} for ${r.hours} h${extras}${repo}`;
}
