// Issue 20, Prometheus' conventions: HTTP requests by route template and status (a counter and a latency
// histogram in seconds), labelled counters there at 0 from the first scrape, ccc_build_info, and an
// exposition that promtool (Debian's `prometheus` package) passes when it is installed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/config.ts";
import { ALICE, type BotHarness, command, startBotHarness } from "../bot/bot-harness.ts";
import { scrape } from "./exposition.ts";

let b: BotHarness;
afterEach(async () => {
  await b.close();
});

const NEVER = "0 0 1 1 *";
const quietJobs = { CCC_SWEEP_CRON: NEVER, CCC_RECONCILE_CRON: NEVER };
const REQUESTS = "ccc_http_requests_total";
const DURATIONS = "ccc_http_request_duration_seconds";

const promtool = await execa("promtool", ["--version"], { reject: false }).then(
  (r) => (r.exitCode === 0 ? null : "promtool is not installed (Debian: apt-get install prometheus)"),
  () => "promtool is not installed (Debian: apt-get install prometheus)",
);

describe("GET /metrics, by Prometheus' conventions", () => {
  it("counts and times HTTP requests by route template, method and status, never by raw path", async () => {
    b = await startBotHarness({ env: quietJobs });
    const base = `http://127.0.0.1:${b.running.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/api/v1/instances/ccc-abcdef`)).status).toBe(401);
    expect((await fetch(`${base}/api/v1/instances/ccc-zzzzzz`)).status).toBe(401);
    expect((await fetch(`${base}/no/such/page-12345`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: "DELETE" })).status).toBe(405);

    const m = await scrape(b.running.port);
    expect(m.types.get(REQUESTS)).toBe("counter");
    expect(m.types.get(DURATIONS)).toBe("histogram");
    expect(m.value(REQUESTS, { route: "/healthz", method: "GET", status: "200" })).toBe(1);
    expect(m.value(REQUESTS, { route: "/healthz", method: "DELETE", status: "405" })).toBe(1);
    expect(m.value(REQUESTS, { route: "/api/v1/instances/:id", method: "GET", status: "401" })).toBe(2);
    expect(m.value(REQUESTS, { route: "unmatched", method: "GET", status: "404" })).toBe(1);
    expect(m.series(REQUESTS).filter((s) => /ccc-|12345/.test(s.labels.route ?? ""))).toEqual([]);
    const count = m.value(`${DURATIONS}_count`, {
      route: "/api/v1/instances/:id",
      method: "GET",
      status: "401",
    });
    expect(count).toBe(2);
    const sum = m.value(`${DURATIONS}_sum`, { route: "/healthz", method: "GET", status: "200" }) ?? -1;
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(5);
    expect(
      m.value(`${DURATIONS}_bucket`, { route: "/healthz", method: "GET", status: "200", le: "+Inf" }),
    ).toBe(1);
  });

  it("has every labelled counter's series at 0 before anything happened, machines by live status, build info", async () => {
    b = await startBotHarness({ env: quietJobs });
    const m = await scrape(b.running.port);
    for (const job of ["sweep", "reconcile"]) expect(m.value("ccc_delete_failures_total", { job })).toBe(0);
    for (const delivery of ["sent", "no_recipient", "failed"]) {
      expect(m.value("ccc_reminders_total", { delivery })).toBe(0);
    }
    expect(
      m
        .series("ccc_machines")
        .map((s) => s.labels.status)
        .sort(),
    ).toEqual(["creating", "deleting", "installing", "ready"]);
    const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8"));
    expect(m.types.get("ccc_build_info")).toBe("gauge");
    expect(m.value("ccc_build_info", { version, nodejs_version: process.version })).toBe(1);
  });

  it.skipIf(promtool !== null)("passes promtool check metrics, after some traffic", async () => {
    b = await startBotHarness({ env: quietJobs });
    expect(await command(b, ALICE, "list")).toContain("You have no machines");
    await fetch(`http://127.0.0.1:${b.running.port}/healthz`);
    const text = await (await fetch(`http://127.0.0.1:${b.running.port}/metrics`)).text();
    const run = await execa("promtool", ["check", "metrics"], { input: text, reject: false });
    // promtool parses the whole exposition (a parse error fails it outright) and lints each family. The
    // only findings allowed are prom-client's own gauges named *_total, kept as every Node.js dashboard
    // knows them; none about a ccc_ series.
    const upstream = [
      "nodejs_active_handles_total",
      "nodejs_active_requests_total",
      "nodejs_active_resources_total",
    ];
    const findings = `${run.stdout}${run.stderr}`.split("\n").filter(Boolean);
    expect(run.stderr).not.toMatch(/error while linting|parse/i);
    expect(findings.filter((line) => !upstream.some((name) => line.startsWith(`${name} `)))).toEqual([]);
    expect(findings.filter((line) => line.startsWith("ccc_"))).toEqual([]);
  });
});
