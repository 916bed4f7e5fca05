import { describe, expect, it } from "vitest";
import {
  checkExpiredCommand,
  checkExpiredFailed,
  checkExpiredJson,
  checkExpiredText,
} from "../../src/commands/check-expired.ts";
import { ForbiddenError } from "../../src/core/errors.ts";
import { ADMIN, ALICE, anInstance, caught, NOW } from "./fixtures.ts";
import { useStoreWorld } from "./use-store-world.ts";

const w = useStoreWorld();

const retryAt = new Date("2026-11-25T12:01:00Z");

describe("check-expired", () => {
  it("is for admins (the operator in the terminal), and with nothing due asks nobody anything", async () => {
    w.plant(ALICE.id);
    expect(await caught(() => checkExpiredCommand.execute(w.ctx(ALICE), {}))).toBeInstanceOf(ForbiddenError);
    const shown = await checkExpiredCommand.execute(w.ctx(ADMIN), {});
    expect(shown.text({ now: NOW, actor: ADMIN })).toBe("Nothing has expired.");
    expect(shown.failed).toBe(false);
    expect(w.notes.notices).toEqual([]);
  });

  it("words deletions, failed deletes with their retry, and instances left to another process", () => {
    const summary = {
      outcomes: [
        { instance: anInstance(), error: null, retryAt: null, locked: false },
        { instance: anInstance({ id: "ccc-bbbbbb" }), error: "Hetzner said no", retryAt, locked: false },
      ],
      busy: ["ccc-cccccc"],
      pushes: [
        { instanceId: "ccc-dddddd", outcome: { kind: "pushed" as const, expiresAt: retryAt } },
        {
          instanceId: "ccc-eeeeee",
          outcome: { kind: "pending" as const, message: "ccc-eeeeee cannot be reached over SSH.", retryAt },
        },
        { instanceId: "ccc-ffffff", outcome: { kind: "skipped" as const, reason: "not-ready" as const } },
      ],
    };
    expect(checkExpiredText(summary).split("\n")).toEqual([
      "ccc-abcdef: deleted",
      "ccc-bbbbbb: delete failed, retried from 2026-11-25T12:01:00.000Z: Hetzner said no",
      "ccc-cccccc: left to another ccc process acting on it",
      "ccc-dddddd: the machine now shows its expiry",
      "ccc-eeeeee: the machine was not told its expiry, retried from 2026-11-25T12:01:00.000Z: ccc-eeeeee cannot be reached over SSH.",
      "ccc-ffffff: the machine is gone; its pending update was dropped",
    ]);
    expect(checkExpiredFailed(summary)).toBe(true);
    expect(checkExpiredJson(summary).outcomes[1]).toMatchObject({
      id: "ccc-bbbbbb",
      error: "Hetzner said no",
      retryAt: "2026-11-25T12:01:00.000Z",
    });
    expect(checkExpiredCommand.doors.slack).toBeUndefined();
  });
});
