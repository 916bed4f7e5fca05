import { describe, expect, it } from "vitest";
import { provisionText } from "../../src/commands/provision.ts";
import type { Instance } from "../../src/core/instances/instance.ts";
import { withPoolOutcome } from "../../src/core/pool/pool-outcome.ts";
import { homeView } from "../../src/render/block-kit/home-view.ts";
import { creatingMessage, readyMessage } from "../../src/render/block-kit/instance-blocks.ts";

const created = new Date("2026-11-25T12:00:00Z");
const instance: Instance = {
  id: "ccc-abc234",
  owner: "U1",
  ownerEmail: null,
  sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl a@b"],
  sshKeyFingerprint: "SHA256:x",
  serverType: "cx23",
  location: "fsn1",
  hetznerServerId: 7,
  ipv4: "192.0.2.7",
  ipv6: null,
  status: "ready",
  failureReason: null,
  createdAt: created,
  readyAt: new Date(created.getTime() + 3_400),
  expiresAt: new Date(created.getTime() + 4 * 3_600_000),
  deletedAt: null,
  hostKey: null,
};

describe("messages about a machine from the pool", () => {
  it("say a few seconds while a pool machine is handed over, about 5 minutes otherwise", () => {
    expect(creatingMessage(withPoolOutcome(instance, "claimed"), null).text).toBe(
      "ccc-abc234 is being created, from the warm pool, a few seconds.",
    );
    expect(creatingMessage(instance, null).text).toBe("ccc-abc234 is being created, about 5 minutes.");
    expect(creatingMessage(withPoolOutcome(instance, "fallback"), "creating_server").text).toContain(
      "about 5 minutes (the warm pool's machine could not be handed over, so a fresh one is installed)",
    );
  });

  it("list installing extra software as a step for a pool machine only (a fresh install builds it in)", () => {
    const withExtras = { ...instance, status: "installing" as const, packages: ["python3", "go"] };
    const dm = (i: Instance, step: "installing" | "installing_software") =>
      JSON.stringify(creatingMessage(i, step).blocks);
    const claimed = withPoolOutcome(withExtras, "claimed");
    expect(dm(claimed, "installing_software")).toContain(
      "✅ Installing NixOS with Claude Code\\n⏳ Installing extra software: `python3`, `go`",
    );
    expect(dm(withExtras, "installing")).not.toContain("extra software");
    expect(dm(withPoolOutcome(instance, "claimed"), "installing")).not.toContain("extra software");
    expect(creatingMessage(claimed, null).text).toBe(
      "ccc-abc234 is being created, from the warm pool, a few seconds, then its extra software (large packages take minutes).",
    );
  });

  it("say how fast a pool machine was ready, in the DM and at the CLI", () => {
    const hit = withPoolOutcome(instance, "hit");
    expect(readyMessage(hit, created).text).toBe(
      "ccc-abc234 is ready in 3 s from the pool: ssh claude@192.0.2.7",
    );
    expect(JSON.stringify(readyMessage(hit, created).blocks)).toContain("is ready in 3 s from the pool.");
    expect(provisionText(hit, created)).toMatch(/^Ready in 3 s from the pool\.\n/);
    expect(readyMessage(instance, created).text).toBe("ccc-abc234 is ready: ssh claude@192.0.2.7");
    expect(provisionText(instance, created)).not.toContain("pool");
  });
});

describe("the admins' App Home", () => {
  it("shows the pool's size and what it costs per hour", () => {
    const member = (state: "ready" | "installing") => ({
      id: "ccc-abc234",
      serverType: "cx23",
      location: "fsn1",
      state,
      ageMs: 60_000,
      hourly: "0.0058",
      serverId: 1,
      ipv4: null,
    });
    const pool = {
      wanted: [{ serverType: "cx23", location: "fsn1", count: 2 }],
      members: [member("ready"), member("installing")],
      hourlyTotal: "0.0116",
      monthlyWhenFull: "8.4680",
    };
    const view = JSON.stringify(homeView({ mine: [], everyone: null, now: created, pool }).blocks);
    expect(view).toContain("Warm pool: 1 of 2 ready, 2 machines in all · €0.0116 per hour");
    expect(JSON.stringify(homeView({ mine: [], everyone: null, now: created }).blocks)).not.toContain(
      "Warm pool",
    );
  });
});
