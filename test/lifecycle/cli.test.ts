import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CliIo, runCli } from "../../src/cli.ts";
import type { Notifier } from "../../src/core/ports/notifier.ts";
import { FAST_TIMING } from "../helpers/harness.ts";
import { RecordingNotifier } from "../helpers/recording-notifier.ts";
import { createLabelled, MINUTE, plant, realTimeCloud, startWorld, type World } from "./world.ts";

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  expect(w.h.strayServers(w.deps)).toEqual([]);
  await w.close();
});

async function ccc(args: string[], notifier?: Notifier) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    env: { ...w.h.env, USER: "opal" },
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readStdin: () => "",
    compose: {
      clock: w.clock,
      cloud: realTimeCloud(w.h),
      timing: FAST_TIMING,
      ...(notifier ? { notifier } : {}),
    },
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

describe("ccc remind", () => {
  it("exits 1 when a reminder could not be sent, and says so", async () => {
    const t0 = w.clock.now().getTime();
    const soon = await plant(w.deps, { minutes: 40, owner: "U0BOB" });
    const notifier = new RecordingNotifier();
    notifier.failFor = "U0BOB";
    w.clock.set(t0 + 30 * MINUTE);
    const run = await ccc(["remind"], notifier);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `${soon.instance.id}: reminded U0BOB (15-minute reminder, 10 min left) — sending it failed`,
    );
    await w.deps.cloud.deleteServer(soon.server?.id ?? 0);
    w.deps.store.remove(soon.instance.id, { actor: "test", kind: "deleted" });
  });
});

describe("ccc remind, check-expired and reconcile without a Slack token", () => {
  it("print what they would have sent and what they did", async () => {
    const t0 = w.clock.now().getTime();
    const expiring = await plant(w.deps, { minutes: 30 });
    const soon = await plant(w.deps, { minutes: 40, owner: "U0BOB" });
    const lost = await createLabelled(w.deps, "ccc-gysxdb", new Date(t0 - MINUTE));
    w.clock.set(t0 + 30 * MINUTE);

    const reminded = await ccc(["remind"]);
    expect(reminded.code).toBe(0);
    expect(reminded.stdout).toContain(`would DM U0BOB: ${soon.instance.id} expires in 10 minutes (`);
    expect(reminded.stdout).toContain(
      `${soon.instance.id}: reminded U0BOB (15-minute reminder, 10 min left)`,
    );
    expect((await ccc(["remind"])).stdout).toBe("No reminder is due.\n");

    const dry = await ccc(["reconcile", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /^3 ccc servers at Hetzner, 2 live in the store \(dry run: nothing changed\)\./,
    );
    expect(dry.stdout).toMatch(
      new RegExp(`orphan\\s+ccc-gysxdb\\s+${lost.server.id}\\s.*would delete the server`),
    );
    expect(w.h.cloud.servers()).toHaveLength(3);

    const swept = await ccc(["check-expired"]);
    expect(swept.code).toBe(0);
    expect(swept.stdout).toBe(
      `would DM U0ALICE: ${expiring.instance.id} reached its expiry and was deleted.\n${expiring.instance.id}: deleted\n`,
    );

    const repaired = await ccc(["reconcile", "--json"]);
    expect(repaired.code).toBe(0);
    expect(JSON.parse(repaired.stdout).findings).toMatchObject([
      {
        kind: "orphan",
        instanceId: "ccc-gysxdb",
        serverId: lost.server.id,
        action: "delete_server",
        outcome: "done",
      },
    ]);
    expect(repaired.stderr).toContain("would tell the admins: Deleted orphan server ccc-gysxdb");
    expect(w.h.cloud.servers().map((s) => s.id)).toEqual([soon.server?.id]);

    w.h.cloud.failNext({ method: "DELETE" }, { status: 500, code: "server_error", message: "boom" });
    w.clock.set(t0 + 40 * MINUTE);
    const failed = await ccc(["check-expired"]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`${soon.instance.id}: delete failed, retried from`);
    w.clock.set(t0 + 41 * MINUTE);
    expect((await ccc(["check-expired"])).code).toBe(0);
    expect(w.h.cloud.servers()).toEqual([]);
  });
});
