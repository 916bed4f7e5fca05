// The SSH channel against a real OpenSSH server: the pinned host key, the forced command, and every way
// an apply can end.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, test } from "vitest";
import { SshMachineChannel } from "../../src/adapters/ssh-machine-channel.ts";
import { UserError } from "../../src/core/errors.ts";
import type { ApplyDocument } from "../../src/core/machine/apply-document.ts";
import { generateHostKey } from "../../src/core/machine/host-key.ts";
import { knownHostsPath } from "../../src/core/machine/known-hosts.ts";
import type { MachineTarget } from "../../src/core/ports/machine.ts";
import { type SshBanner, startSshBanner } from "../../stand-ins/ssh-banner.ts";
import { FAKE_CCC_APPLY, type FakeSshd, sshdMissingReason, startSshd } from "../../stand-ins/sshd.ts";
import { makeKeyPair, writeOperatorKey } from "../helpers/keys.ts";

/** One test's world: its own operator key, machine root and sshds, so the tests run side by side. */
interface World {
  dir: string;
  operatorKey: string;
  root: string;
  behaviorFile: string;
  channel: SshMachineChannel;
  started: FakeSshd[];
  banners: SshBanner[];
}

const it = test.extend<{ w: World }>({
  w: async ({ skip }, use) => {
    skip(sshdMissingReason !== null, sshdMissingReason ?? "");
    const dir = mkdtempSync(join(tmpdir(), "ccc-channel-"));
    const operatorKey = writeOperatorKey(dir);
    const w: World = {
      dir,
      operatorKey,
      root: join(dir, "machine-root"),
      behaviorFile: join(dir, "behavior.json"),
      channel: new SshMachineChannel({
        identityFile: operatorKey,
        instancesDir: join(dir, "instances"),
        connectTimeoutMs: 2_000,
        totalTimeoutMs: 8_000,
      }),
      started: [],
      banners: [],
    };
    try {
      await use(w);
    } finally {
      await Promise.all(w.started.map((s) => s.stop()));
      await Promise.all(w.banners.map((b) => b.close()));
      rmSync(dir, { recursive: true, force: true });
    }
  },
});

async function machine(
  w: World,
  options: { hostKey?: { privateKey: string; publicKey: string }; host?: string; port?: number } = {},
) {
  const sshd = await startSshd({
    authorizedKeys: [readFileSync(`${w.operatorKey}.pub`, "utf8").trim()],
    forced: { program: FAKE_CCC_APPLY, root: w.root, env: { FAKE_CCC_APPLY_BEHAVIOR_FILE: w.behaviorFile } },
    ...options,
  });
  w.started.push(sshd);
  return sshd;
}

const behave = (w: World, mode: "apply" | "hang" | "lie" | "crash" | "refuse") =>
  writeFileSync(w.behaviorFile, JSON.stringify({ mode }));
const target = (sshd: { host: string; port: number }, hostKey: string): MachineTarget => ({
  instanceId: "ccc-ab12cd",
  host: sshd.host,
  port: sshd.port,
  hostKey,
});
const doc = (): ApplyDocument => ({
  version: 1,
  instanceId: "ccc-ab12cd",
  owner: "U012AB3CD",
  expiresAt: "2026-11-25T20:00:00Z",
  authorizedKeys: [makeKeyPair("alice@laptop").publicKey, makeKeyPair("bob@desk").publicKey],
});
const applied = (w: World) => join(w.root, "var/lib/cloud-instance/state.json");

/** ssh as an operator typing by hand would run it, to ask for something ccc never sends. */
function rawSsh(w: World, sshd: FakeSshd, command: string, input: string) {
  const options = [
    "BatchMode=yes",
    "StrictHostKeyChecking=no",
    "UserKnownHostsFile=/dev/null",
    "LogLevel=ERROR",
  ];
  return execa(
    "ssh",
    [
      "-i",
      w.operatorKey,
      "-p",
      String(sshd.port),
      ...options.flatMap((o) => ["-o", o]),
      `root@${sshd.host}`,
      command,
    ],
    { input, reject: false },
  );
}

describe.skipIf(sshdMissingReason !== null).concurrent("the SSH channel to a machine", () => {
  it("applies a document over the pinned host key, as ccc-apply and nothing else", async ({ w, expect }) => {
    const sshd = await machine(w);
    const sent = doc();
    const result = await w.channel.apply(target(sshd, sshd.hostKey), sent);

    expect(result).toEqual({ kind: "ok", applied: sent });
    expect(JSON.parse(readFileSync(applied(w), "utf8"))).toEqual(sent);
    expect(readFileSync(join(w.root, "var/lib/cloud-instance/authorized_keys"), "utf8")).toBe(
      `${sent.authorizedKeys.join("\n")}\n`,
    );
    expect(sshd.sessions().map((s) => s.command)).toEqual(["ccc-apply"]);
    expect(sshd.log()).toMatch(/Accepted publickey for root from/);
    expect(readFileSync(knownHostsPath(join(w.dir, "instances"), "ccc-ab12cd"), "utf8")).toBe(
      `[${sshd.host}]:${sshd.port} ${sshd.hostKey}\n`,
    );
  });

  it("raises a host-key alarm when the same address shows another key, and sends nothing", async ({
    w,
    expect,
  }) => {
    const first = await machine(w);
    const pinned = first.hostKey;
    const { host, port } = first;
    await first.stop();
    const impostor = await machine(w, { hostKey: generateHostKey("root@impostor"), host, port });
    expect(impostor.hostKey).not.toBe(pinned);

    const result = await w.channel.apply(target(impostor, pinned), doc());

    expect(result.kind).toBe("host-key-mismatch");
    if (result.kind !== "host-key-mismatch") return;
    expect(result.message).toContain("did not show the host key ccc pinned");
    expect(result.detail).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    expect(impostor.sessions()).toEqual([]);
    expect(existsSync(applied(w))).toBe(false);
  });

  it("says unreachable when nothing listens", async ({ w, expect }) => {
    const sshd = await machine(w);
    const pinned = sshd.hostKey;
    await sshd.stop();
    const result = await w.channel.apply(target(sshd, pinned), doc());
    expect(result).toMatchObject({
      kind: "unreachable",
      message: expect.stringContaining("cannot be reached"),
    });
    if (result.kind === "unreachable") expect(result.detail).toMatch(/Connection refused/);
  });

  it("says unreachable when the port answers no SSH within the connect timeout", async ({ w, expect }) => {
    const silent = await startSshBanner();
    w.banners.push(silent);
    await silent.open("127.0.0.1", { silent: true });
    const result = await w.channel.apply(
      target({ host: "127.0.0.1", port: silent.port }, generateHostKey("x").publicKey),
      doc(),
    );
    expect(result.kind).toBe("unreachable");
    if (result.kind === "unreachable") expect(result.detail).toMatch(/timed out during banner exchange/);
  });

  it("passes on the machine's refusal with its reason", async ({ w, expect }) => {
    const sshd = await machine(w);
    behave(w, "refuse");
    const result = await w.channel.apply(target(sshd, sshd.hostKey), doc());
    expect(result).toMatchObject({
      kind: "refused",
      reason: "this machine does not take documents today",
      message: expect.stringContaining("refused the update: this machine does not take documents today"),
    });
    expect(existsSync(applied(w))).toBe(false);
  });

  it("has a stand-in that refuses what the contract refuses", async ({ w, expect }) => {
    const sshd = await machine(w);
    const refused = await rawSsh(w, sshd, "ccc-apply", JSON.stringify({ ...doc(), version: 2 }));
    expect(refused.exitCode).toBe(2);
    expect(JSON.parse(refused.stdout)).toEqual({ ok: false, error: "only version 1 is understood" });
    const extra = await rawSsh(w, sshd, "ccc-apply", JSON.stringify({ ...doc(), volume: "x" }));
    expect(JSON.parse(extra.stdout)).toEqual({ ok: false, error: "unknown field volume" });
    expect(existsSync(applied(w))).toBe(false);
  });

  it("reports a read-back that differs from what was sent as a failure", async ({ w, expect }) => {
    const sshd = await machine(w);
    behave(w, "lie");
    const result = await w.channel.apply(target(sshd, sshd.hostKey), doc());
    expect(result).toMatchObject({ kind: "failed", reason: "answer-differs" });
  });

  it("reports a failure on the machine with its words", async ({ w, expect }) => {
    const sshd = await machine(w);
    behave(w, "crash");
    const result = await w.channel.apply(target(sshd, sshd.hostKey), doc());
    expect(result).toMatchObject({
      kind: "failed",
      reason: "command-failed",
      message: expect.stringContaining("the disk is full"),
    });
  });

  it("stops at the total timeout when the machine never answers", async ({ w, expect }) => {
    const sshd = await machine(w);
    behave(w, "hang");
    // Long enough to connect on a busy machine, far shorter than the stand-in's wait.
    const quick = new SshMachineChannel({
      identityFile: w.operatorKey,
      instancesDir: join(w.dir, "instances"),
      connectTimeoutMs: 2_000,
      totalTimeoutMs: 4_000,
    });
    const result = await quick.apply(target(sshd, sshd.hostKey), doc());
    expect(result).toMatchObject({
      kind: "failed",
      reason: "timeout",
      message: expect.stringContaining("may or may not have applied"),
    });
    expect(existsSync(applied(w))).toBe(false);
  });

  it("lets the operator key run nothing but ccc-apply", async ({ w, expect }) => {
    const sshd = await machine(w);
    const other = await rawSsh(w, sshd, "id; ccc-apply", JSON.stringify(doc()));
    expect(other.exitCode).toBe(127);
    expect(other.stderr).toContain("this key may only run ccc-apply");
    expect(sshd.sessions().map((s) => s.command)).toEqual(["id; ccc-apply"]);
    expect(existsSync(applied(w))).toBe(false);
  });

  it("refuses a bad document before connecting, naming the field but not the key", async ({ w, expect }) => {
    const sshd = await machine(w);
    const error = await w.channel
      .apply(target(sshd, sshd.hostKey), { ...doc(), authorizedKeys: ["ssh-ed25519 AAAAsecret!"] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(/authorizedKeys/);
    expect((error as Error).message).not.toMatch(/AAAAsecret/);
    expect(sshd.sessions()).toEqual([]);
  });
});
