import { afterEach, describe, expect, it, vi } from "vitest";
import { deprovision } from "../src/commands/deprovision.ts";
import { provision } from "../src/commands/provision.ts";
import { ExternalError } from "../src/core/errors.ts";
import { ProvisionError, serverOutcomeText } from "../src/core/provision/provision-failure.ts";
import { type Harness, type HarnessOptions, startHarness } from "./helpers/harness.ts";
import { holdCalls } from "./helpers/hold.ts";
import { makeKeyPair } from "./helpers/keys.ts";

let h: Harness;
async function setup(options: HarnessOptions = {}) {
  h = await startHarness(options);
  return { deps: h.deps, actor: { id: "alice", isAdmin: false } };
}
afterEach(async () => {
  // After every fault: nothing runs at the cloud that the database does not know as live.
  expect(h.strayServers()).toEqual([]);
  await h.close();
});

const request = () => ({ owner: "alice", sshKey: makeKeyPair().publicKey, hours: 1 });

async function failure(promise: Promise<unknown>): Promise<ProvisionError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProvisionError);
  return error as ProvisionError;
}

/** The one element, or a throw (for vi.waitFor to try again). */
function only<T>(items: T[]): T {
  if (items.length !== 1) throw new Error(`expected one, found ${items.length}`);
  return items[0] as T;
}

function onlyInstance() {
  const [row] = h.deps.store.list({ includeEnded: true });
  if (!row) throw new Error("no instance recorded");
  return row;
}

describe("provision faults leave nothing running and say what happened", () => {
  it("retries 429 and 503 from Hetzner and still succeeds", async () => {
    const ctx = await setup();
    h.cloud.failNext(
      { method: "POST", path: "/servers" },
      {
        status: 429,
        code: "rate_limit_exceeded",
        message: "limit reached",
        headers: { "RateLimit-Remaining": "0" },
      },
    );
    h.cloud.failNext(
      { method: "POST", path: "/servers" },
      { status: 503, code: "unavailable", message: "down" },
    );
    const ready = await provision(ctx, request());
    expect(ready.status).toBe("ready");
    expect(h.cloud.requests.filter((r) => r.method === "POST" && r.path === "/servers")).toHaveLength(3);
    expect(h.cloud.servers()).toHaveLength(1);
    await deprovision(ctx, { id: ready.id });
  });

  it("fails at once with Hetzner's message when the create action ends in error", async () => {
    const ctx = await setup({
      cloud: { createActionError: { code: "server_error", message: "host exploded" } },
    });
    const error = await failure(provision(ctx, request()));
    expect(error.message).toContain("host exploded");
    expect(error.failure).toMatchObject({
      server: "deleted",
      step: "waiting_for_ssh",
      deletedMeanwhile: false,
    });
    // The row says what users are told; Hetzner's own words stay in the audit trail.
    const row = onlyInstance();
    expect(row).toMatchObject({ status: "failed", failureReason: "Hetzner had a problem of its own." });
    expect(h.deps.store.events(row.id).at(-1)?.detail).toContain("host exploded");
    expect(h.cloud.servers()).toEqual([]);
    expect(h.installer.calls()).toEqual([]);
  });

  it("fails at once with Hetzner's message when the start that follows the create fails", async () => {
    const ctx = await setup({
      cloud: { startActionError: { code: "server_error", message: "no host capacity" } },
    });
    const error = await failure(provision(ctx, request()));
    expect(error.message).toBe("Hetzner could not run start_server on the server: no host capacity.");
    expect(h.cloud.servers()).toEqual([]);
    // Both actions were looked at together, in one request per look.
    const looks = h.cloud.requests.filter((r) => r.path === "/actions");
    expect(looks.length).toBeGreaterThan(0);
    expect(looks.every((r) => r.method === "GET")).toBe(true);
  });

  it("gives up when SSH never answers, and deletes the server", async () => {
    const ctx = await setup({ manualSsh: true, env: { CCC_SSH_WAIT_SECONDS: "1" } });
    const error = await failure(provision(ctx, request()));
    expect(error.code).toBe("ssh_timeout");
    expect(error.message).toMatch(/did not answer within 1 s/);
    expect(h.cloud.servers()).toEqual([]);
    expect(onlyInstance().status).toBe("failed");
  });

  it("does not take a port that accepts but never speaks SSH for a booted server", async () => {
    const ctx = await setup({ manualSsh: true, env: { CCC_SSH_WAIT_SECONDS: "1" } });
    h.cloud.setActionDuration(0);
    const pending = provision(ctx, request());
    const ip = await vi.waitFor(() => only(h.cloud.servers()).public_net.ipv4.ip, { timeout: 10_000 });
    await h.ssh.open(ip, { silent: true });
    const error = await failure(pending);
    expect(error.code).toBe("ssh_timeout");
    expect(h.installer.calls()).toEqual([]);
  });

  it("reports an installer failure with its output, and deletes the server", async () => {
    const ctx = await setup();
    h.installer.behave({ exitCode: 3, errorOutput: "kexec failed: not enough memory" });
    const error = await failure(provision(ctx, request()));
    expect(error.code).toBe("install_failed");
    expect(error.message).toContain("exit code 3");
    expect(error.message).toContain("kexec failed: not enough memory");
    expect(onlyInstance().status).toBe("failed");
    expect(h.cloud.servers()).toEqual([]);
  });

  it("stops an installer that runs past CCC_INSTALL_TIMEOUT_SECONDS", async () => {
    const ctx = await setup({ env: { CCC_INSTALL_TIMEOUT_SECONDS: "1" } });
    h.installer.behave({ sleepMs: 10_000 });
    const error = await failure(provision(ctx, request()));
    expect(error.code).toBe("install_timeout");
    expect(h.cloud.servers()).toEqual([]);
  });

  it("says so when the installer binary does not exist", async () => {
    const ctx = await setup({ env: { CCC_NIXOS_ANYWHERE: "/nonexistent/nixos-anywhere" } });
    const error = await failure(provision(ctx, request()));
    expect(error.code).toBe("installer_missing");
    expect(error.message).toContain("CCC_NIXOS_ANYWHERE");
    expect(h.cloud.servers()).toEqual([]);
  });

  it("finds and deletes a server made by a create call that still reported failure", async () => {
    const ctx = await setup();
    // The create reaches Hetzner, but its answer is lost on the way back: ccc never learns the server id.
    const original = h.deps.cloud.createServer.bind(h.deps.cloud);
    h.deps.cloud.createServer = async (input, signal) => {
      await original(input, signal);
      throw new ExternalError("hetzner", "network_error", "connection reset after the request was sent");
    };
    const error = await failure(provision(ctx, request()));
    expect(error.message).toContain("connection reset");
    expect(error.failure.server).toBe("deleted");
    expect(h.cloud.servers()).toEqual([]);
  });

  it("keeps going when the cleanup delete fails, and says the reconciler will retry", async () => {
    const ctx = await setup();
    h.installer.behave({ exitCode: 1 });
    h.cloud.failNext({ method: "DELETE" }, { status: 403, code: "forbidden", message: "token is read-only" });
    const error = await failure(provision(ctx, request()));
    expect(error.failure).toMatchObject({ server: "left", step: "installing" });
    // Users hear that it failed; Hetzner's words are kept for the admins and the logs.
    expect(serverOutcomeText(error.failure)).toBe(
      "deleting the server failed too; the reconciler will retry",
    );
    expect(error.failure.cleanupError).toMatch(/read-only/);
    // The server is still there, and the row says failed: reconcile will delete it (an orphan).
    const row = onlyInstance();
    expect(row.status).toBe("failed");
    expect(h.cloud.servers().map((s) => s.id)).toEqual([row.hetznerServerId]);
    await h.deps.cloud.deleteServer(row.hetznerServerId as number);
  });
});

describe("a machine deleted while it is being built", () => {
  it("stops the build, leaves the record deleted and no server behind", async () => {
    const ctx = await setup({ manualSsh: true });
    const building = provision(ctx, request());
    // Its server exists and is recorded; SSH has not answered yet.
    const row = await vi.waitFor(() => only(h.deps.store.list().filter((i) => i.ipv4)), { timeout: 10_000 });
    const gone = await deprovision(ctx, { id: row.id });
    expect(gone.instance.status).toBe("deleted");
    // SSH answers after all: the build looks at the record before going on.
    await h.ssh.open(row.ipv4 as string);
    const error = await failure(building);
    expect(error.message).toBe(`${row.id} was deleted while it was being built.`);
    expect(error.failure).toMatchObject({ deletedMeanwhile: true, step: "waiting_for_ssh" });
    expect(onlyInstance().status).toBe("deleted");
    expect(h.cloud.servers()).toEqual([]);
    expect(h.installer.calls()).toEqual([]);
  });

  it("deletes a server that appeared after the user's delete found none", async () => {
    const ctx = await setup();
    const create = holdCalls(h.deps.cloud, "createServer");
    const building = provision(ctx, request());
    // The create call is on its way (held before it reaches Hetzner): the row has no server yet.
    await create.reached;
    const row = onlyInstance();
    expect(row.hetznerServerId).toBeNull();
    await deprovision(ctx, { id: row.id });
    expect(h.cloud.requests.filter((r) => r.method === "DELETE")).toEqual([]);
    create.release();
    const error = await failure(building);
    expect(error.failure.server).toBe("deleted");
    expect(h.cloud.servers()).toEqual([]);
    expect(onlyInstance().status).toBe("deleted");
  });
});

describe("a create whose answer was lost", () => {
  it("adopts the server the first attempt made when the retry is refused as a duplicate", async () => {
    const ctx = await setup();
    h.cloud.failNext({ method: "POST", path: "/servers" }, { lostAnswer: true });
    const ready = await provision(ctx, request());
    expect(ready.status).toBe("ready");
    const posts = h.cloud.requests.filter((r) => r.method === "POST" && r.path === "/servers");
    expect(posts).toHaveLength(2);
    expect(h.cloud.servers().map((s) => s.id)).toEqual([ready.hetznerServerId]);
    await deprovision(ctx, { id: ready.id });
  });
});
