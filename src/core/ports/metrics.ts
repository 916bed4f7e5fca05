import type { ProvisionStep } from "../provision/provision-failure.ts";
import type { Delivery } from "./notifier.ts";

/** Which job saw a delete of a server fail. */
export type DeleteJob = "sweep" | "reconcile";

/** The metrics port: what core counts for the operator's monitoring (Prometheus in the bot, nothing in the CLI). */
export interface Metrics {
  /** A provision step finished after `seconds`. */
  provisionStep(step: ProvisionStep, seconds: number): void;
  /** One answer (or, with status `null`, none) from Hetzner; `endpoint` is a template, never a raw id. */
  hetznerRequest(method: string, endpoint: string, status: number | null): void;
  /** Hetzner's `RateLimit-Remaining` from the latest answer that carried it. */
  rateLimitRemaining(remaining: number): void;
  deleteFailed(job: DeleteJob): void;
  /** An orphan server past its grace, which reconcile set out to delete. */
  orphanFound(): void;
  reminderSent(delivery: Delivery): void;
}

export const noopMetrics: Metrics = {
  provisionStep() {},
  hetznerRequest() {},
  rateLimitRemaining() {},
  deleteFailed() {},
  orphanFound() {},
  reminderSent() {},
};

/** The deps' metrics, or none: deps built without them (tests, older callers) count nothing. */
export function metricsOf(deps: { metrics?: Metrics | undefined }): Metrics {
  return deps.metrics ?? noopMetrics;
}
