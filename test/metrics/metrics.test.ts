import { afterEach, describe, expect, it, vi } from "vitest";
import { ALICE, type BotHarness, command, shown, startBotHarness } from "../bot/bot-harness.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { createLabelled, MINUTE, plant } from "../lifecycle/world.ts";
import { parseExposition, scrape } from "./exposition.ts";

let b: BotHarness;
afterEach(async () => {
  expect(b.h.strayServers()).toEqual([]);
  await b.close();
});

// The jobs run only when a test says so (the reconcile at start-up aside).
const NEVER = "0 0 1 1 *";
const quietJobs = { CCC_SWEEP_CRON: NEVER, CCC_RECONCILE_CRON: NEVER };

const HETZNER = "ccc_hetzner_requests_total";
const ACKS = "ccc_slack_ack_duration_seconds";

describe("GET /metrics", () => {
  it("after a provision from Slack: each step timed, machines by status, Hetzner requests by endpoint", async () => {
    b = await startBotHarness({ env: quietJobs, harness: { cloud: { rateLimit: 500 } } });
    const before = await scrape(b.running.port);
    expect(before.value("ccc_machines", { status: "ready" })).toBe(0);
    expect(before.series("ccc_provision_step_duration_seconds_count")).toEqual([]);

    const res = await b.send.submitProvision(ALICE, {
      sshKey: makeKeyPair().publicKey,
      location: "fsn1",
      serverType: "cx23",
      hours: "2",
    });
    expect(res.json).toEqual({ response_action: "clear" });
    await b.slack.waitFor(() => b.slack.messages().find((m) => shown(m).includes("is ready")), 15_000);

    const m = await scrape(b.running.port);
    for (const step of ["creating_server", "waiting_for_ssh", "installing"]) {
      expect(m.value("ccc_provision_step_duration_seconds_count", { step }), step).toBe(1);
      expect(m.value("ccc_provision_step_duration_seconds_bucket", { step, le: "+Inf" })).toBe(1);
    }
    expect(m.value("ccc_provision_step_duration_seconds_count", { step: "ready" })).toBeUndefined();
    expect(m.types.get("ccc_provision_step_duration_seconds")).toBe("histogram");
    expect(m.value("ccc_machines", { status: "ready" })).toBe(1);
    expect(m.value("ccc_machines", { status: "creating" })).toBe(0);
    expect(m.value(`${ACKS}_count`, { kind: "view" })).toBe(1);

    // Every request that reached the fake is counted once, by a template and never by an id. (Counted
    // when its answer is read: a background refresh the fake has seen may still be on its way back.)
    const sum = (scraped: typeof m) => scraped.series(HETZNER).reduce((total, s) => total + s.value, 0);
    await vi.waitFor(
      async () => {
        const scraped = await scrape(b.running.port);
        const seen = b.h.cloud.requests.map((r) => `${r.method} ${r.path}`).join(", ");
        const series = scraped
          .series(HETZNER)
          .map((s) => `${s.labels.method} ${s.labels.endpoint} ${s.labels.status}=${s.value}`)
          .join(", ");
        expect(sum(scraped), `fake saw: ${seen}; counted: ${series}`).toBe(b.h.cloud.requests.length);
      },
      {
        timeout: 10_000,
        interval: 100,
      },
    );
    const counted = m.series(HETZNER);
    expect(counted.filter((s) => /\d/.test(s.labels.endpoint ?? ""))).toEqual([]);
    expect(m.value(HETZNER, { method: "POST", endpoint: "/servers", status: "201" })).toBe(1);
    const remaining = m.value("ccc_hetzner_rate_limit_remaining") ?? 0;
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(500);

    const [instance] = b.running.bot.deps.store.list({ owner: ALICE });
    expect(await command(b, ALICE, `deprovision ${instance?.id}`)).toContain("deleted");
    const after = await scrape(b.running.port);
    expect(after.value(HETZNER, { method: "DELETE", endpoint: "/servers/{id}", status: "200" })).toBe(1);
    expect(after.value("ccc_machines", { status: "ready" })).toBe(0);
    // Issue 20: deleted rows are history, not a gauge of what runs.
    expect(after.value("ccc_machines", { status: "deleted" })).toBeUndefined();
    expect(after.series("ccc_machines").map((s) => s.labels.status)).toEqual([
      "creating",
      "installing",
      "ready",
      "deleting",
    ]);
    expect(after.value(`${ACKS}_count`, { kind: "command" })).toBe(1);
  });

  it("times each slash command's ack, and shows Node's event-loop delay", async () => {
    b = await startBotHarness({ env: quietJobs });
    expect(await command(b, ALICE, "help")).toContain("/ccc provision");
    expect(await command(b, ALICE, "list")).toContain("You have no machines");
    const m = await scrape(b.running.port);
    expect(m.value(`${ACKS}_count`, { kind: "command" })).toBe(2);
    expect(m.value(`${ACKS}_bucket`, { kind: "command", le: "3" })).toBe(2);
    expect(m.value(`${ACKS}_sum`, { kind: "command" })).toBeGreaterThan(0);
    expect(m.types.get("nodejs_eventloop_lag_p99_seconds")).toBe("gauge");
    expect(m.value("nodejs_eventloop_lag_p99_seconds")).toBeGreaterThan(0);
    expect(m.types.get("process_cpu_user_seconds_total")).toBe("counter");
  });

  it("counts a delete the sweep could not make", async () => {
    b = await startBotHarness({ env: quietJobs });
    const deps = b.running.bot.deps;
    const { instance } = await plant(deps, { createdAt: new Date(Date.now() - 120 * MINUTE), minutes: 60 });
    b.h.cloud.failNext(
      { method: "DELETE", path: /^\/servers\/\d+$/ },
      { status: 500, code: "server_error", message: "boom" },
    );
    await b.running.scheduler?.run("sweep");
    expect(deps.store.require(instance.id).status).not.toBe("deleted");
    const m = await scrape(b.running.port);
    expect(m.value("ccc_delete_failures_total", { job: "sweep" })).toBe(1);
    expect(m.value(HETZNER, { method: "DELETE", endpoint: "/servers/{id}", status: "500" })).toBe(1);
  });

  it("counts an orphan reconcile deleted", async () => {
    b = await startBotHarness({ env: quietJobs });
    const deps = b.running.bot.deps;
    expect(parseExposition((await fetchMetrics()).text).value("ccc_orphans_found_total")).toBe(0);
    // A labelled server no row knows, its expiry label past by more than the grace: a lost row left it
    // behind. The store knows another machine, so it is the service's own.
    const { server } = await plant(deps, { minutes: 60 });
    await createLabelled(deps, "ccc-lostdb", new Date(Date.now() - 60 * MINUTE));
    await b.running.scheduler?.run("reconcile");
    expect(b.h.cloud.servers().map((s) => s.id)).toEqual([server?.id]);
    const m = await scrape(b.running.port);
    expect(m.value("ccc_orphans_found_total")).toBe(1);
    expect(m.value("ccc_delete_failures_total", { job: "reconcile" })).toBe(0);
  });

  it("counts a reminder sent to its owner", async () => {
    b = await startBotHarness({ env: { ...quietJobs, CCC_REMIND_MINUTES: "60,15" } });
    const deps = b.running.bot.deps;
    // Ten minutes left: the 15-minute reminder is due (the 60-minute one was overtaken).
    const { instance } = await plant(deps, { createdAt: new Date(Date.now() - 60 * MINUTE), minutes: 70 });
    await b.running.scheduler?.run("remind");
    const dm = b.slack.calls("chat.postMessage").find((c) => JSON.stringify(c.body).includes(instance.id));
    expect(dm).toBeDefined();
    const m = await scrape(b.running.port);
    expect(m.value("ccc_reminders_total", { delivery: "sent" })).toBe(1);
    expect(m.value("ccc_reminders_total", { delivery: "failed" })).toBe(0);
  });

  it("wants the bearer token when CCC_METRICS_TOKEN is set", async () => {
    b = await startBotHarness({ env: { ...quietJobs, CCC_METRICS_TOKEN: "metrics-secret" } });
    const none = await fetchMetrics();
    expect(none.status).toBe(401);
    expect(none.authenticate).toMatch(/^Bearer/);
    expect(none.text).not.toContain("ccc_machines");
    expect((await fetchMetrics("wrong-secret")).status).toBe(401);
    expect((await fetchMetrics("metrics-secret-and-more")).status).toBe(401);
    const m = await scrape(b.running.port, "metrics-secret");
    expect(m.value("ccc_machines", { status: "ready" })).toBe(0);
  });
});

async function fetchMetrics(token?: string) {
  const res = await fetch(`http://127.0.0.1:${b.running.port}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, authenticate: res.headers.get("www-authenticate"), text: await res.text() };
}
