// What failed reaches users in plain words; the installer's lines, its log's path and Hetzner's own
// text (where a planted token once rode into a DM) stay with the log and the admins.
import { afterEach, describe, expect, it } from "vitest";
import { ExternalError, ForbiddenError, UserError } from "../../src/core/errors.ts";
import { ProvisionError, type ProvisionFailure } from "../../src/core/provision/provision-failure.ts";
import { PlainFailure, userFacingCleanup, userFacingFailure } from "../../src/core/user-facing-failure.ts";
import {
  ADMIN,
  ALICE,
  type BotHarness,
  command,
  replies,
  shown,
  startBotHarness,
} from "../bot/bot-harness.ts";
import { makeKeyPair } from "../helpers/keys.ts";

const TOKEN = "xoxb-PLANTED-7d1e9c0a5b";

describe("userFacingFailure", () => {
  it("names the failed step without the installer's lines or its log's path", () => {
    const install = new ExternalError(
      "installer",
      "install_failed",
      `Installing NixOS failed (exit code 1): error: ${TOKEN}. Log: /var/lib/ccc/logs/ccc-abc234.log.`,
    );
    expect(userFacingFailure(install)).toBe("Installing NixOS on the server failed.");
    const timeout = new ExternalError("installer", "install_timeout", "took 1800 s. Log: /var/lib/x.log.");
    expect(userFacingFailure(timeout)).toBe("Installing NixOS took too long and was stopped.");
  });

  it("words Hetzner's errors by their kind, never with Hetzner's text or an unknown code", () => {
    const limit = new ExternalError("hetzner", "resource_limit_exceeded", `server limit ${TOKEN}`);
    expect(userFacingFailure(limit)).toMatch(/^The Hetzner project has reached one of its limits/);
    const odd = new ExternalError("hetzner", `weird_${TOKEN}`, TOKEN);
    expect(userFacingFailure(odd)).toBe("Hetzner refused or failed the request.");
  });

  const failed = (detail: string): ProvisionFailure => ({
    instanceId: "ccc-abc234",
    step: "waiting_for_ssh",
    reason: "shown",
    detail,
    deletedMeanwhile: false,
    server: "deleted",
    cleanupError: null,
  });

  it("looks through a failed provision to what failed, and keeps ccc's own words", () => {
    const cause = new ExternalError(
      "ssh",
      "ssh_timeout",
      "SSH on 203.0.113.9:22 did not answer within 300 s",
    );
    expect(userFacingFailure(new ProvisionError(failed(cause.message), cause))).toBe(
      "The new server did not answer on SSH in time.",
    );
    const plain = new PlainFailure("the install was interrupted by a restart of ccc");
    expect(userFacingFailure(new ProvisionError(failed(plain.message), plain))).toBe(plain.message);
    expect(userFacingFailure(new UserError("Hours must be more than 0."))).toBe("Hours must be more than 0.");
    expect(userFacingFailure(new ForbiddenError("ccc-abc234 is not yours."))).toBe(
      "ccc-abc234 is not yours.",
    );
    expect(userFacingFailure(new Error(`ENOENT: no such file, open '/var/lib/ccc/${TOKEN}'`))).toBe(
      "Something went wrong inside ccc.",
    );
  });

  it("says a failed cleanup delete failed, without Hetzner's reason", () => {
    expect(userFacingCleanup(`deleting the server failed too (${TOKEN}); the reconciler will retry`)).toBe(
      "deleting the server failed too; ccc will try again",
    );
    expect(userFacingCleanup("the server was deleted")).toBe("the server was deleted");
  });
});

describe("in Slack", () => {
  let b: BotHarness;
  afterEach(async () => {
    expect(b.h.strayServers()).toEqual([]);
    await b.close();
  });

  const dmTo = (user: string, text: string) =>
    b.slack.waitFor(
      () => b.slack.messages().find((m) => m.channel === `D${user.slice(1)}` && shown(m).includes(text)),
      15_000,
      `a DM to ${user} with "${text}"`,
    );

  it("a failing install: the owner reads plain words, the admins and the log keep the detail", async () => {
    b = await startBotHarness();
    b.h.installer.behave({ exitCode: 1, errorOutput: `error: disko failed reading ${TOKEN}` });
    await b.send.submitProvision(ALICE, { sshKey: makeKeyPair().publicKey, location: "fsn1", hours: "1" });

    const dm = await dmTo(ALICE, "could not be created");
    const id = /ccc-[a-z2-9]{6}/.exec(dm.text)?.[0] ?? "";
    expect(shown(dm)).toContain("Installing NixOS on the server failed.");
    expect(shown(dm)).toContain("nothing keeps running");
    for (const secret of [TOKEN, "disko failed", b.h.dir, "/logs/", "exit code"]) {
      expect(shown(dm)).not.toContain(secret);
    }
    // Later looks at the machine say the same plain words.
    const status = await command(b, ALICE, `status ${id}`);
    expect(status).toContain("Installing NixOS on the server failed.");
    expect(status).not.toContain(TOKEN);

    const alert = await dmTo(ADMIN, id);
    expect(alert.text).toContain(TOKEN);
    expect(alert.text).toContain(`${b.running.bot.deps.paths.logsDir}/${id}.log`);
    const logged = b.logs.find((l) => l.message === "provision failed");
    expect(String(logged?.fields?.reason)).toContain(TOKEN);
    expect(String(logged?.fields?.reason)).toContain(b.running.bot.deps.paths.logsDir);
  });

  it("a Hetzner error at create: plain words for the owner, Hetzner's text for the admins", async () => {
    b = await startBotHarness();
    b.h.cloud.failNext(
      { method: "POST", path: "/servers" },
      { status: 422, code: "invalid_input", message: `invalid input in field 'name': ${TOKEN}` },
    );
    await b.send.submitProvision(ALICE, { sshKey: makeKeyPair().publicKey, location: "fsn1", hours: "1" });

    const dm = await dmTo(ALICE, "could not be created");
    const id = /ccc-[a-z2-9]{6}/.exec(dm.text)?.[0] ?? "";
    expect(shown(dm)).toContain("Hetzner refused or failed the request.");
    expect(shown(dm)).not.toContain(TOKEN);
    expect(shown(dm)).not.toContain("invalid input");
    const alert = await dmTo(ADMIN, id);
    expect(alert.text).toContain(TOKEN);
  });

  it("a Hetzner error behind a button: the answer is plain, the log has Hetzner's words", async () => {
    b = await startBotHarness();
    await b.send.submitProvision(ALICE, { sshKey: makeKeyPair().publicKey, location: "fsn1", hours: "1" });
    const dm = await dmTo(ALICE, "is ready");
    const id = /ccc-[a-z2-9]{6}/.exec(dm.text)?.[0] ?? "";
    b.h.cloud.failNext({ method: "PUT" }, { status: 403, code: "forbidden", message: `no: ${TOKEN}` });
    await b.send.clickInMessage(ALICE, "ccc_extend_1h", id, {
      channel: dm.channel,
      ts: dm.ts,
      responseUrl: b.slack.responseUrl(),
    });
    const answer = await b.slack.waitFor(() => replies(b.slack).find((r) => r.text.includes("Hetzner")));
    expect(answer.text).toBe(
      "Hetzner did not allow ccc to do that; an admin needs to look at its API token. Try again in a minute; if it keeps failing, tell an admin.",
    );
    expect(JSON.stringify(b.logs.filter((l) => l.message === "external failure"))).toContain(TOKEN);
    await command(b, ALICE, `deprovision ${id}`);
  });
});
