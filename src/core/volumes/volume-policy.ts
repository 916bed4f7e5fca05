import { UserError } from "../errors.ts";

/** The operator's rules for work volumes. */
export interface VolumePolicy {
  /** Size of a new volume when the person does not ask for one. */
  defaultGb: number;
  /** Largest size a person may ask for. */
  maxGb: number;
  /** A volume unused this long is deleted (after reminders 7 days and 1 day before). */
  retentionDays: number;
}

/** Hetzner's smallest volume. */
export const MIN_VOLUME_GB = 10;

export const DEFAULT_VOLUME_POLICY: VolumePolicy = { defaultGb: 10, maxGb: 100, retentionDays: 30 };

/** Where the machine mounts the volume; `ccc-apply` accepts no other place. */
export const WORK_MOUNT = "/home/claude/work";

/** A size as typed (text or a number): a whole number of GB within the operator's range. */
export function parseVolumeGb(value: unknown, policy: VolumePolicy): number {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  const gb = /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
  if (!(gb >= MIN_VOLUME_GB && gb <= policy.maxGb)) {
    throw new UserError(
      `A work volume is ${MIN_VOLUME_GB} to ${policy.maxGb} GB, a whole number (got "${text.slice(0, 20)}").`,
      { field: "volumeGb", code: "bad_volume_size" },
    );
  }
  return gb;
}
