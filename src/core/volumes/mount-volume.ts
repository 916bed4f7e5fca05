import type { CoreDeps } from "../deps.ts";
import { authorizedKeysOf, guestAccountsOf } from "../instances/access.ts";
import type { Instance } from "../instances/instance.ts";
import { withLease } from "../lifecycle/leases.ts";
import { applyDocumentFor } from "../machine/apply-document.ts";
import { raiseHostKeyAlarm } from "../machine/host-key-alarm.ts";
import { machinePushLease } from "../machine/push-state.ts";
import { machineTarget } from "../ports/machine.ts";
import { WORK_MOUNT } from "./volume-policy.ts";

/** What became of mounting a machine's work volume; `message` is safe to show its owner. */
export type MountOutcome =
  | { kind: "mounted"; volumeId: number; mountPoint: string }
  | { kind: "none" }
  | { kind: "failed"; volumeId: number; message: string };

/**
 * Tells the machine to mount its work volume at the work mount, through `ccc-apply` (by the
 * volume's device name, no rebuild). Never throws: a volume that could not be mounted leaves a
 * working machine, and the owner is told.
 */
export async function mountWorkVolume(deps: CoreDeps, instance: Instance): Promise<MountOutcome> {
  const volume = deps.store.workVolumes.forInstance(instance.id);
  if (!volume?.hetznerId || !volume.linuxDevice) return { kind: "none" };
  const volumeId = volume.hetznerId;
  const failed = (message: string): MountOutcome => {
    deps.log.warn("work volume not mounted", { instance: instance.id, volume: volumeId, reason: message });
    deps.store.recordEvent(instance.id, { actor: "ccc", kind: "volume_mount_failed", detail: message });
    return { kind: "failed", volumeId, message };
  };
  const device = volume.linuxDevice;
  try {
    // Never beside an extend's push: an older document must not land after a newer one.
    const attempt = await withLease(deps, machinePushLease(instance.id), async () => {
      const current = deps.store.require(instance.id);
      const doc = applyDocumentFor(current, authorizedKeysOf(deps.store, current), {
        machineId: deps.store.snapshots.machineIdOf(current.id),
        volume: { linuxDevice: device, mountPoint: WORK_MOUNT },
        guestAccounts: guestAccountsOf(deps.store, current),
      });
      return deps.machine.apply(machineTarget(current, deps.timing.sshPort), doc);
    });
    if (!attempt.taken) return failed("another update to this machine was under way");
    const result = attempt.value;
    if (result.kind === "host-key-mismatch") {
      await raiseHostKeyAlarm(deps, instance.id, result, `Work volume ${volumeId} was not mounted on it.`);
    }
    if (result.kind !== "ok") return failed(result.message);
  } catch (error) {
    return failed(error instanceof Error ? error.message : String(error));
  }
  deps.store.recordEvent(instance.id, {
    actor: "ccc",
    kind: "volume_mounted",
    detail: `volume ${volumeId} at ${WORK_MOUNT}`,
  });
  return { kind: "mounted", volumeId, mountPoint: WORK_MOUNT };
}
