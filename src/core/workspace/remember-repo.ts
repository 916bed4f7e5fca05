import type { CoreDeps } from "../deps.ts";
import type { Instance } from "../instances/instance.ts";

/**
 * After a machine is handed over: the repository it started from becomes what `again` repeats and what the
 * form offers next time (the person's `repo` preference). A machine without one clears neither.
 */
export function rememberRepo(deps: CoreDeps, instance: Instance): void {
  const repo = deps.store.workspaces.get(instance.id)?.repo;
  if (!repo) return;
  const now = deps.clock.now();
  const last = deps.store.lastRequests.get(instance.owner);
  if (last)
    deps.store.lastRequests.put(instance.owner, { ...last, repo: repo.label, fullClone: repo.full }, now);
  deps.store.prefs.update(instance.owner, { repo: repo.label }, now);
}
