import { describe, expect, it } from "vitest";
import { parseInput } from "../../src/commands/input.ts";
import {
  progressText,
  provisionCommand,
  provisionInput,
  provisionText,
} from "../../src/commands/provision.ts";
import { parseConfig } from "../../src/config.ts";
import type { UserError } from "../../src/core/errors.ts";
import { SLASH_HOOKS } from "../../src/slack/slash/hooks.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { anInstance, caught, NOW } from "./fixtures.ts";

const key = makeKeyPair("alice@laptop").publicKey;

describe("provision's input", () => {
  it("parses the key, trims what is optional and leaves hours to the policy when not given", () => {
    const input = parseInput(provisionInput, {
      owner: " alice ",
      ownerEmail: " ",
      sshKey: `\n${key}\n`,
      serverType: "  ",
      location: "hel1",
    });
    expect(input).toMatchObject({
      owner: "alice",
      ownerEmail: null,
      serverType: undefined,
      location: "hel1",
    });
    expect(input.sshKey).toMatchObject({ type: "ssh-ed25519", comment: "alice@laptop" });
    expect(input.hours).toBeUndefined();
    expect(parseInput(provisionInput, { owner: "a", sshKey: key, hours: "0.5" }).hours).toBe(0.5);
  });

  it("keeps each refusal's code and the field it belongs on", async () => {
    const refused = async (raw: Record<string, unknown>) =>
      (await caught(() => parseInput(provisionInput, { owner: "alice", sshKey: key, ...raw }))) as UserError;
    expect(await refused({ sshKey: makeKeyPair().privateKey })).toMatchObject({
      code: "private_key",
      field: "sshKey",
    });
    expect(await refused({ owner: "alice; rm" })).toMatchObject({ field: "user" });
    expect(await refused({ ownerEmail: "nope" })).toMatchObject({ field: "email" });
    expect(await refused({ hours: "soon" })).toMatchObject({ field: "hours" });
    // The first problem in the form's order is the one answered.
    expect(await refused({ sshKey: "", hours: "soon" })).toMatchObject({ code: "empty" });
  });
});

describe("provision's doors", () => {
  it("defaults the owner to the operator in the terminal", () => {
    const raw = provisionCommand.doors.cli?.input({
      args: {},
      options: { sshKey: key, hours: "2" },
      config: parseConfig({ USER: "opal" }),
    });
    expect(raw).toMatchObject({ owner: "opal", sshKey: key, hours: "2" });
    expect(provisionCommand.doors.cli?.needs).toEqual({ cloud: true, installer: true, notifies: true });
  });

  it("opens the form in Slack through a hook the Slack door has", () => {
    const hook = provisionCommand.doors.slack?.hook;
    expect(hook).toBe("provision-modal");
    expect(hook && typeof SLASH_HOOKS[hook]).toBe("function");
  });

  it("says each step with the time since the start, and how to connect at the end", () => {
    const line = progressText({ step: "installing", instance: anInstance(), elapsedMs: 83_456 });
    expect(line).toBe("[  83.5s] ccc-abcdef: Installing NixOS with Claude Code (203.0.113.7)");
    const done = provisionText(anInstance(), NOW);
    expect(done.split("\n").at(-1)).toBe("Connect with: ssh claude@203.0.113.7");
  });
});
