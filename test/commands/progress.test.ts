// The stream a long-running verb's work is read as, in every door: events in order with the time
// since the request was accepted, then the result, or the work's error.
import { describe, expect, it } from "vitest";
import type { ProgressEvent } from "../../src/commands/command.ts";
import { drain, progressStream } from "../../src/commands/progress.ts";
import { FakeClock } from "../helpers/fake-clock.ts";

describe("a long-running verb's progress stream", () => {
  it("gives each step in order with its elapsed time, then the result", async () => {
    const clock = new FakeClock(new Date("2026-12-07T10:00:00Z"));
    const accepted = clock.now().getTime();
    clock.set(accepted + 1_000);
    let started = false;
    const work = progressStream(
      clock,
      async (emit) => {
        started = true;
        emit({ step: "creating_server" });
        clock.set(accepted + 12_500);
        await Promise.resolve();
        emit({ step: "installing", detail: "copying the closure" });
        return "ready";
      },
      accepted,
    );
    // Nothing runs until a door reads the work.
    expect(started).toBe(false);
    const seen: ProgressEvent[] = [];
    await expect(drain(work, (e) => seen.push(e))).resolves.toBe("ready");
    expect(seen).toEqual([
      { step: "creating_server", elapsedMs: 1_000 },
      { step: "installing", detail: "copying the closure", elapsedMs: 12_500 },
    ]);
  });

  it("throws the work's own error after the steps it reached", async () => {
    const clock = new FakeClock(new Date("2026-12-07T10:00:00Z"));
    const work = progressStream(clock, async (emit) => {
      emit({ step: "creating_server" });
      throw new Error("Hetzner said 503");
    });
    const steps: string[] = [];
    await expect(drain(work, (e) => steps.push(e.step))).rejects.toThrow("Hetzner said 503");
    expect(steps).toEqual(["creating_server"]);
  });
});
