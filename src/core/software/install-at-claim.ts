import type { CoreDeps } from "../deps.ts";
import { authorizedKeysOf } from "../instances/access.ts";
import type { Instance, PackageResult } from "../instances/instance.ts";
import { applyDocumentWithPackages } from "../machine/apply-document.ts";
import { raiseHostKeyAlarm } from "../machine/host-key-alarm.ts";
import { machineTarget } from "../ports/machine.ts";
import { softwarePolicyOf } from "./software-policy.ts";

/**
 * For a machine taken from the pool (built without its owner's extras): sends the owner's document
 * with the packages through `ccc-apply`, which installs them from the machine's pinned nixpkgs, and
 * records how each went. Never throws for a package or the channel: the machine is handed over
 * anyway, and whatever did not install is named (the person decides).
 */
export async function installPackagesAtClaim(deps: CoreDeps, instance: Instance): Promise<PackageResult[]> {
  const packages = instance.packages ?? [];
  if (packages.length === 0) return [];
  let results: PackageResult[];
  try {
    const doc = applyDocumentWithPackages(
      instance,
      softwarePolicyOf(deps).allowUnfree,
      authorizedKeysOf(deps.store, instance),
    );
    const outcome = await deps.machine.apply(machineTarget(instance, deps.timing.sshPort), doc);
    if (outcome.kind === "host-key-mismatch") {
      await raiseHostKeyAlarm(deps, instance.id, outcome, "Its extra packages were not sent.");
    }
    results =
      outcome.kind === "ok"
        ? packages.map(
            (name) =>
              outcome.packages?.find((r) => r.name === name) ?? {
                name,
                ok: false,
                error: "the machine did not report it",
              },
          )
        : packages.map((name) => ({ name, ok: false, error: outcome.message }));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    results = packages.map((name) => ({ name, ok: false, error: reason }));
  }
  const failed = results.filter((r) => !r.ok).map((r) => r.name);
  deps.store.update(
    instance.id,
    { packageResults: results },
    {
      actor: "ccc",
      kind: "packages_installed",
      detail: failed.length > 0 ? `not installed: ${failed.join(" ")}` : `installed: ${packages.join(" ")}`,
    },
  );
  if (failed.length > 0) deps.log.warn("extra packages not installed", { instance: instance.id, failed });
  return results;
}
