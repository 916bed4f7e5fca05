import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { type InstanceStatus, LIVE_STATUSES } from "../core/instances/instance.ts";
import type { DeleteJob, Metrics } from "../core/ports/metrics.ts";
import type { Delivery } from "../core/ports/notifier.ts";
import type { ProvisionStep } from "../core/provision/provision-failure.ts";

/** What a chat door was asked for, as the ack-latency histogram labels it (Slack's receivers sort requests). */
export type AckKind = "command" | "action" | "view" | "event";

/** Seconds: a server is created in under a minute, an install takes minutes, the install timeout is 30. */
const STEP_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600];
/** Seconds: Slack gives up at 3. */
const ACK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5];
/** Seconds: a page or an API answer from the store in milliseconds; a provision answers 202 at once. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const HTTP_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
/** Every value of the labelled counters, so each series is there (at 0) from the first scrape. */
const DELETE_JOBS: readonly DeleteJob[] = ["sweep", "reconcile"];
const DELIVERIES: readonly Delivery[] = ["sent", "no_recipient", "failed"];

/** Who the bot is, for `ccc_build_info`. */
export interface BuildInfo {
  version: string;
}

/**
 * The metrics port over prom-client, with a registry of its own (nothing global, so two bots in one
 * process, as in the tests, never share a series) and Node's default process and event-loop metrics.
 */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private countMachines: (() => Record<InstanceStatus, number>) | null = null;
  private readonly steps: Histogram<"step">;
  private readonly hetzner: Counter<"method" | "endpoint" | "status">;
  private readonly rateLimit: Gauge;
  private readonly failedDeletes: Counter<"job">;
  private readonly orphans: Counter;
  private readonly reminders: Counter<"delivery">;
  private readonly acks: Histogram<"kind">;
  private readonly httpRequests: Counter<"route" | "method" | "status">;
  private readonly httpDurations: Histogram<"route" | "method" | "status">;

  constructor(build: BuildInfo = { version: "unknown" }) {
    const registers = [this.registry];
    // Includes nodejs_eventloop_lag_seconds and its percentiles (from monitorEventLoopDelay).
    collectDefaultMetrics({ register: this.registry });
    const machines = () => this.countMachines?.();
    new Gauge({
      name: "ccc_machines",
      help: "Live instances (creating, installing, ready, deleting) by status, counted at scrape time.",
      labelNames: ["status"],
      registers,
      collect() {
        const counts = machines();
        if (!counts) return;
        // Deleted and failed rows only grow: a count of history, not a gauge of what runs.
        for (const status of LIVE_STATUSES) this.set({ status }, counts[status] ?? 0);
      },
    });
    new Gauge({
      name: "ccc_build_info",
      help: "Always 1; the labels say which ccc and which Node.js are running.",
      labelNames: ["version", "nodejs_version"],
      registers,
    }).set({ version: build.version, nodejs_version: process.version }, 1);
    this.httpRequests = new Counter({
      name: "ccc_http_requests_total",
      help: "HTTP requests answered (API, dashboard, Slack events, health, metrics), by route template, method and status.",
      labelNames: ["route", "method", "status"],
      registers,
    });
    this.httpDurations = new Histogram({
      name: "ccc_http_request_duration_seconds",
      help: "Time from an HTTP request's arrival to the end of its answer, by route template, method and status.",
      labelNames: ["route", "method", "status"],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.steps = new Histogram({
      name: "ccc_provision_step_duration_seconds",
      help: "How long each provision step took, by step (creating_server, waiting_for_ssh, installing).",
      labelNames: ["step"],
      buckets: STEP_BUCKETS,
      registers,
    });
    this.hetzner = new Counter({
      name: "ccc_hetzner_requests_total",
      help: "Requests to the Hetzner API (each attempt), by method, endpoint template and status (none: no answer).",
      labelNames: ["method", "endpoint", "status"],
      registers,
    });
    this.rateLimit = new Gauge({
      name: "ccc_hetzner_rate_limit_remaining",
      help: "Hetzner's RateLimit-Remaining from the latest answer that carried it.",
      registers,
    });
    this.failedDeletes = new Counter({
      name: "ccc_delete_failures_total",
      help: "Server deletes that failed, by job (sweep: an expired machine; reconcile: an orphan).",
      labelNames: ["job"],
      registers,
    });
    for (const job of DELETE_JOBS) this.failedDeletes.inc({ job }, 0);
    this.orphans = new Counter({
      name: "ccc_orphans_found_total",
      help: "Orphan servers past their grace that reconcile set out to delete.",
      registers,
    });
    this.reminders = new Counter({
      name: "ccc_reminders_total",
      help: "Expiry reminders, by delivery (sent, no_recipient, failed).",
      labelNames: ["delivery"],
      registers,
    });
    for (const delivery of DELIVERIES) this.reminders.inc({ delivery }, 0);
    this.acks = new Histogram({
      name: "ccc_slack_ack_duration_seconds",
      help: "Time from a Slack request's arrival to its ack, by kind (command, action, view, event).",
      labelNames: ["kind"],
      buckets: ACK_BUCKETS,
      registers,
    });
  }

  /** Where `ccc_machines` reads its counts at each scrape. */
  countMachinesWith(count: () => Record<InstanceStatus, number>): void {
    this.countMachines = count;
  }

  provisionStep(step: ProvisionStep, seconds: number): void {
    this.steps.observe({ step }, seconds);
  }

  hetznerRequest(method: string, endpoint: string, status: number | null): void {
    this.hetzner.inc({ method, endpoint, status: status === null ? "none" : String(status) });
  }

  rateLimitRemaining(remaining: number): void {
    this.rateLimit.set(remaining);
  }

  deleteFailed(job: DeleteJob): void {
    this.failedDeletes.inc({ job });
  }

  orphanFound(): void {
    this.orphans.inc();
  }

  reminderSent(delivery: Delivery): void {
    this.reminders.inc({ delivery });
  }

  /**
   * One HTTP request answered, for the server's `observe`: `route` is the route's template (`/api/v1/
   * instances/:id`) or `unmatched`, never a raw path, so a scan of random paths adds no series.
   */
  readonly httpRequest = (route: string, method: string, status: number, seconds: number): void => {
    const labels = { route, method: HTTP_METHODS.has(method) ? method : "other", status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDurations.observe(labels, seconds);
  };

  /** An `AckObserver` for the Slack receivers. */
  readonly slackAck = (kind: AckKind, seconds: number): void => {
    this.acks.observe({ kind }, seconds);
  };

  /** The exposition text, and its content type (text format 0.0.4). */
  async scrape(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
