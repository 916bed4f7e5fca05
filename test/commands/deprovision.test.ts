import { describe, expect, it } from "vitest";
import { deprovision, deprovisionCommand, deprovisionText } from "../../src/commands/deprovision.ts";
import { findCommand } from "../../src/commands/index.ts";
import { ForbiddenError } from "../../src/core/errors.ts";
import { ALICE, anInstance, BOB, caught } from "./fixtures.ts";
import { useStoreWorld } from "./use-store-world.ts";

const w = useStoreWorld();

describe("deprovision", () => {
  it("answers a machine that is already gone as it is, without asking the cloud", async () => {
    const failed = w.plant(ALICE.id, { status: "failed", failureReason: "boom" });
    const gone = w.plant(ALICE.id, { status: "deleted" });
    expect(await deprovision(w.ctx(ALICE), { id: failed.id })).toMatchObject({ changed: false });
    const shown = await deprovisionCommand.execute(w.ctx(ALICE), { id: gone.id });
    expect(shown.json()).toMatchObject({ id: gone.id, status: "deleted", changed: false });
    expect(shown.text({ now: new Date(), actor: ALICE })).toBe(`${gone.id} was already deleted.`);
    expect(await caught(() => deprovision(w.ctx(BOB), { id: failed.id }))).toBeInstanceOf(ForbiddenError);
    expect(await caught(() => deprovision(w.ctx(ALICE), { id: "nope" }))).toMatchObject({ field: "id" });
  });

  it("words each outcome", () => {
    expect(deprovisionText({ instance: anInstance({ status: "deleted" }), changed: true })).toBe(
      "ccc-abcdef deleted; its server is gone.",
    );
    expect(deprovisionText({ instance: anInstance({ status: "failed" }), changed: false })).toBe(
      "ccc-abcdef had failed; its server was already removed.",
    );
  });

  it("answers to delete as well, in both doors", () => {
    expect(findCommand("DELETE", "cli")).toBe(deprovisionCommand);
    expect(findCommand("delete", "slack")).toBe(deprovisionCommand);
    expect(deprovisionCommand.doors.slack?.usage).toBe("deprovision <id>");
  });
});
