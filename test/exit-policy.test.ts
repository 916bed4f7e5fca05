import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import type { Logger } from "../src/core/ports/logger.ts";
import { installExitPolicy } from "../src/exit-policy.ts";

function fakeProcess() {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  const proc = Object.assign(emitter, { exit: (code: number) => void exits.push(code) });
  const logs: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const entry = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void logs.push({ level, message, ...(fields ? { fields } : {}) });
  const log: Logger = { info: entry("info"), warn: entry("warn"), error: entry("error") };
  return { proc, exits, logs, log };
}

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((r) => setTimeout(r, 1));
};

describe("the bot's exit policy", () => {
  it("logs an unhandled rejection with Slack's reason, stops the bot, and exits 1", async () => {
    const { proc, exits, logs, log } = fakeProcess();
    let stops = 0;
    installExitPolicy(proc, log, async () => void stops++);
    const error = Object.assign(new Error("An API error occurred: invalid_auth"), {
      data: { ok: false, error: "invalid_auth" },
    });
    proc.emit("unhandledRejection", error);
    await until(() => exits.length > 0);
    expect(exits).toEqual([1]);
    expect(stops).toBe(1);
    expect(logs[0]).toMatchObject({
      level: "error",
      message: "unhandled rejection: exiting so that the supervisor restarts the bot",
      fields: { error: "An API error occurred: invalid_auth", slackError: "invalid_auth" },
    });
  });

  it("exits 1 on an uncaught exception even when stopping hangs, after the grace period", async () => {
    const { proc, exits, logs, log } = fakeProcess();
    installExitPolicy(proc, log, () => new Promise(() => {}), 20);
    proc.emit("uncaughtException", new TypeError("x is undefined"));
    await until(() => exits.length > 0);
    expect(exits).toEqual([1]);
    expect(logs[0]?.message).toBe("uncaught exception: exiting so that the supervisor restarts the bot");
  });

  it("on SIGTERM waits for the bot to stop and exits 0; a rejection while stopping changes nothing", async () => {
    const { proc, exits, logs, log } = fakeProcess();
    let finish = () => {};
    installExitPolicy(proc, log, () => new Promise<void>((resolve) => (finish = resolve)), 20);
    proc.emit("SIGTERM");
    proc.emit("unhandledRejection", undefined);
    expect(exits).toEqual([]);
    finish();
    await until(() => exits.length > 0);
    expect(exits).toEqual([0]);
    expect(logs).toEqual([
      { level: "warn", message: "unhandled rejection while stopping", fields: { error: "undefined" } },
    ]);
  });
});
