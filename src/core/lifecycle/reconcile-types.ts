import type { CoreDeps } from "../deps.ts";
import type { CloudServer } from "../ports/cloud.ts";

export interface ReconcileOptions {
  /** Unknown servers younger than this are left alone: their provision may still be recording them. */
  graceMinutes: number;
  /** Look and report, change nothing. */
  dryRun?: boolean;
  /**
   * Runs long work (resuming a provision can take half an hour) without holding up the pass, so
   * orphans and ghosts keep being handled meanwhile. Without it the pass waits (the CLI).
   */
  background?: (label: string, work: () => Promise<void>) => void;
}

/**
 * `orphan_image`: a ccc snapshot the store does not know; `lost_image`: a snapshot row whose image is
 * gone; `orphan_address`: a Primary IP kept for a sleeping machine the store does not know.
 */
export type FindingKind =
  | "orphan"
  | "ghost"
  | "stuck"
  | "orphan_image"
  | "lost_image"
  | "pool"
  | "orphan_address";

/** One thing the reconciler found, and what became of it. */
export interface ReconcileFinding {
  kind: FindingKind;
  instanceId: string | null;
  serverId: number | null;
  /** Why it is listed, in plain words. */
  detail: string;
  /** What was done or, in a dry run, would be done. */
  action:
    | "delete_server"
    | "adopt"
    | "wait"
    | "mark_deleted"
    | "resume"
    | "fail"
    | "fail_and_delete"
    | "delete_image"
    | "close_snapshot"
    | "delete_address";
  outcome: "done" | "started" | "dry_run" | "waiting" | "busy" | "failed";
  error: string | null;
}

export interface ReconcileSummary {
  servers: number;
  liveRows: number;
  dryRun: boolean;
  findings: ReconcileFinding[];
  /** Labelled volumes the store does not know, and rows whose volume vanished. */
  volumes?: VolumeFinding[];
  /** Why the pass did nothing at all (the store cannot be the one these servers belong to). */
  refused?: string;
}

/** What the reconciler's parts share during one pass. */
export interface ReconcilePass {
  deps: CoreDeps;
  options: ReconcileOptions;
  now: number;
  serversById: Map<number, CloudServer>;
  serversByInstance: Map<string, CloudServer>;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One volume reconcile looked at, and what became of it. */
export interface VolumeFinding {
  kind: "orphan_volume" | "vanished_volume";
  volumeId: number;
  detail: string;
  action: "report" | "delete_volume" | "close_row" | "keep_attached";
  outcome: "done" | "dry_run" | "failed";
  error: string | null;
}
