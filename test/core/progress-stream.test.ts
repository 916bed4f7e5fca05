// core's progress adapter: work that reports through `emit` read as the event stream a long-running
// verb's `start` returns (every event in order, then the result or the failure).
import { describe, expect, it } from "vitest";
import { type ProgressEvent, progressStream } from "../../src/core/progress.ts";

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

async function readAll<R>(stream: AsyncGenerator<ProgressEvent, R>) {
  const events: string[] = [];
  for (;;) {
    const next = await stream.next();
    if (next.done) return { events, result: next.value };
    events.push(`${next.value.step}${next.value.detail ? `: ${next.value.detail}` : ""}`);
  }
}

describe("progressStream", () => {
  it("yields what the work emits, synchronously or later, in order, then its result", async () => {
    const stream = progressStream(async (emit) => {
      emit({ step: "creating_server", elapsedMs: 0 });
      emit({ step: "waiting_for_ssh", elapsedMs: 1 });
      await tick();
      emit({ step: "preparing_workspace", elapsedMs: 2, detail: "cloning" });
      await tick();
      return "ready";
    });
    expect(await readAll(stream)).toEqual({
      events: ["creating_server", "waiting_for_ssh", "preparing_workspace: cloning"],
      result: "ready",
    });
  });

  it("throws the work's failure after the events that came before it", async () => {
    const seen: string[] = [];
    const stream = progressStream(async (emit) => {
      emit({ step: "creating_server", elapsedMs: 0 });
      await tick();
      throw new Error("Hetzner had a problem of its own.");
    });
    await expect(
      (async () => {
        for await (const e of stream) seen.push(e.step);
      })(),
    ).rejects.toThrow("Hetzner had a problem of its own.");
    expect(seen).toEqual(["creating_server"]);
  });
});
