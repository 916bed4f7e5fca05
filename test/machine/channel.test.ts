// The SSH channel against a real OpenSSH server: the pinned host key, the forced command, and every way
// an apply can end.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SshMachineChannel } from "../../src/adapters/ssh-machine-channel.ts";
import { UserError } from "../../src/core/errors.ts";
import type { ApplyDocument } from "../../src/core/machine/apply-document.ts";
import { generateHostKey } from "../../src/core/machine/host-key.ts";
import { knownHostsPath } from "../../src/core/machine/known-hosts.ts";
import type { MachineTarget } from "../../src/core/machine/machine-port.ts";
import { type SshBanner, startSshBanner } from "../fakes/ssh-banner.ts";
import { FAKE_CCC_APPLY, type FakeSshd, sshdMissingReason, startSshd } from "../fakes/sshd.ts";
import { makeKeyPair, writeOperatorKey } from "../helpers/keys.ts";

let dir: string;
let operatorKey: string;
let root: string;
let behaviorFile: string;
let channel: SshMachineChannel;
const started: FakeSshd[] = [];
const banners: SshBanner[] = [];

beforeEach((ctx) => {
  ctx.skip(sshdMissingReason !== null, sshdMissingReason ?? "");
  dir = mkdtempSync(join(tmpdir(), "ccc-channel-"));
  operatorKey = writeOperatorKey(dir);
  root = join(dir, "machine-root");
  behaviorFile = join(dir, "behavior.json");
  channel = new SshMachineChannel({
    identityFile: operatorKey,
    instancesDir: join(dir, "instances"),
    connectTimeoutMs: 2_000,
    totalTimeoutMs: 8_000,
  });
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
  await Promise.all(banners.splice(0).map((b) => b.close()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function machine(
  options: { hostKey?: { privateKey: string; publicKey: string }; host?: string; port?: number } = {},
) {
  const sshd = await startSshd({
    authorizedKeys: [readFileSync(`${operatorKey}.pub`, "utf8").trim()],
    forced: { program: FAKE_CCC_APPLY, root, env: { FAKE_CCC_APPLY_BEHAVIOR_FILE: behaviorFile } },
    ...options,
  });
  started.push(sshd);
  return sshd;
}

const behave = (mode: "apply" | "hang" | "lie" | "crash" | "refuse") =>
  writeFileSync(behaviorFile, JSON.stringify({ mode }));
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
const applied = () => join(root, "var/lib/cloud-instance/state.json");

/** ssh as an operator typing by hand would run it, to ask for something ccc never sends. */
function rawSsh(sshd: FakeSshd, command: string, input: string) {
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
      operatorKey,
      "-p",
      String(sshd.port),
      ...options.flatMap((o) => ["-o", o]),
      `root@${sshd.host}`,
      command,
    ],
    { input, reject: false },
  );
}

describe.skipIf(sshdMissingReason !== null)("the SSH channel to a machine", () => {
  it("applies a document over the pinned host key, as ccc-apply and nothing else", async () => {
    const sshd = await machine();
    const sent = doc();
    const result = await channel.apply(target(sshd, sshd.hostKey), sent);

    expect(result).toEqual({ kind: "ok", applied: sent });
    expect(JSON.parse(readFileSync(applied(), "utf8"))).toEqual(sent);
    expect(readFileSync(join(root, "var/lib/cloud-instance/authorized_keys"), "utf8")).toBe(
      `${sent.authorizedKeys.join("\n")}\n`,
    );
    expect(sshd.sessions().map((s) => s.command)).toEqual(["ccc-apply"]);
    expect(sshd.log()).toMatch(/Accepted publickey for root from/);
    expect(readFileSync(knownHostsPath(join(dir, "instances"), "ccc-ab12cd"), "utf8")).toBe(
      `[${sshd.host}]:${sshd.port} ${sshd.hostKey}\n`,
    );
  });

  it("raises a host-key alarm when the same address shows another key, and sends nothing", async () => {
    const first = await machine();
    const pinned = first.hostKey;
    const { host, port } = first;
    await first.stop();
    const impostor = await machine({ hostKey: generateHostKey("root@impostor"), host, port });
    expect(impostor.hostKey).not.toBe(pinned);

    const result = await channel.apply(target(impostor, pinned), doc());

    expect(result.kind).toBe("host-key-mismatch");
    if (result.kind !== "host-key-mismatch") return;
    expect(result.message).toContain("did not show the host key ccc pinned");
    expect(result.detail).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    expect(impostor.sessions()).toEqual([]);
    expect(existsSync(applied())).toBe(false);
  });

  it("says unreachable when nothing listens", async () => {
    const sshd = await machine();
    const pinned = sshd.hostKey;
    await sshd.stop();
    const result = await channel.apply(target(sshd, pinned), doc());
    expect(result).toMatchObject({
      kind: "unreachable",
      message: expect.stringContaining("cannot be reached"),
    });
    if (result.kind === "unreachable") expect(result.detail).toMatch(/Connection refused/);
  });

  it("says unreachable when the port answers no SSH within the connect timeout", async () => {
    const silent = await startSshBanner();
    banners.push(silent);
    await silent.open("127.0.0.1", { silent: true });
    const result = await channel.apply(
      target({ host: "127.0.0.1", port: silent.port }, generateHostKey("x").publicKey),
      doc(),
    );
    expect(result.kind).toBe("unreachable");
    if (result.kind === "unreachable") expect(result.detail).toMatch(/timed out during banner exchange/);
  });

  it("passes on the machine's refusal with its reason", async () => {
    const sshd = await machine();
    behave("refuse");
    const result = await channel.apply(target(sshd, sshd.hostKey), doc());
    expect(result).toMatchObject({
      kind: "refused",
      reason: "this machine does not take documents today",
      message: expect.stringContaining("refused the update: this machine does not take documents today"),
    });
    expect(existsSync(applied())).toBe(false);
  });

  it("has a stand-in that refuses what the contract refuses", async () => {
    const sshd = await machine();
    const refused = await rawSsh(sshd, "ccc-apply", JSON.stringify({ ...doc(), version: 2 }));
    expect(refused.exitCode).toBe(2);
    expect(JSON.parse(refused.stdout)).toEqual({ ok: false, error: "only version 1 is understood" });
    const extra = await rawSsh(sshd, "ccc-apply", JSON.stringify({ ...doc(), volume: "x" }));
    expect(JSON.parse(extra.stdout)).toEqual({ ok: false, error: "unknown field volume" });
    expect(existsSync(applied())).toBe(false);
  });

  it("reports a read-back that differs from what was sent as a failure", async () => {
    const sshd = await machine();
    behave("lie");
    const result = await channel.apply(target(sshd, sshd.hostKey), doc());
    expect(result).toMatchObject({ kind: "failed", reason: "answer-differs" });
  });

  it("reports a failure on the machine with its words", async () => {
    const sshd = await machine();
    behave("crash");
    const result = await channel.apply(target(sshd, sshd.hostKey), doc());
    expect(result).toMatchObject({
      kind: "failed",
      reason: "command-failed",
      message: expect.stringContaining("the disk is full"),
    });
  });

  it("stops at the total timeout when the machine never answers", async () => {
    const sshd = await machine();
    behave("hang");
    // Long enough to connect on a busy machine, far shorter than the stand-in's wait.
    const quick = new SshMachineChannel({
      identityFile: operatorKey,
      instancesDir: join(dir, "instances"),
      connectTimeoutMs: 2_000,
      totalTimeoutMs: 4_000,
    });
    const result = await quick.apply(target(sshd, sshd.hostKey), doc());
    expect(result).toMatchObject({
      kind: "failed",
      reason: "timeout",
      message: expect.stringContaining("may or may not have applied"),
    });
    expect(existsSync(applied())).toBe(false);
  });

  it("lets the operator key run nothing but ccc-apply", async () => {
    const sshd = await machine();
    const other = await rawSsh(sshd, "id; ccc-apply", JSON.stringify(doc()));
    expect(other.exitCode).toBe(127);
    expect(other.stderr).toContain("this key may only run ccc-apply");
    expect(sshd.sessions().map((s) => s.command)).toEqual(["id; ccc-apply"]);
    expect(existsSync(applied())).toBe(false);
  });

  it("refuses a bad document before connecting, naming the field but not the key", async () => {
    const sshd = await machine();
    const error = await channel
      .apply(target(sshd, sshd.hostKey), { ...doc(), authorizedKeys: ["ssh-ed25519 AAAAsecret!"] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(/authorizedKeys/);
    expect((error as Error).message).not.toMatch(/AAAAsecret/);
    expect(sshd.sessions()).toEqual([]);
  });
});
