import { describe, expect, it } from "vitest";
import { ExternalError } from "../../src/core/errors.ts";
import {
  describeFailure,
  failureOf,
  ProvisionError,
  type ProvisionFailure,
  serverLeft,
  serverOutcomeText,
} from "../../src/core/provision/provision-failure.ts";

const failure = (patch: Partial<ProvisionFailure> = {}): ProvisionFailure => ({
  instanceId: "ccc-abcdef",
  step: "installing",
  reason: "Installing NixOS failed (exit code 1)",
  detail: "Installing NixOS failed (exit code 1): last lines of the log",
  deletedMeanwhile: false,
  server: "deleted",
  cleanupError: null,
  ...patch,
});

describe("a failed provision", () => {
  it("is described the same way for every door, from its typed fields", () => {
    expect(describeFailure(failure())).toBe(
      "ccc-abcdef failed: Installing NixOS failed (exit code 1); the server was deleted.",
    );
    expect(serverOutcomeText(failure({ server: "none" }))).toBe("no server was left running");
    expect(serverOutcomeText(failure({ server: "left", cleanupError: "403 forbidden" }))).toBe(
      "deleting the server failed too; the reconciler will retry",
    );
    expect(serverOutcomeText(failure({ server: "unknown" }))).toMatch(/failed or was not tried/);
  });

  it("needs an admin exactly when a server may still be running", () => {
    const servers: ProvisionFailure["server"][] = ["deleted", "none", "left", "unknown"];
    expect(servers.map((server) => serverLeft(failure({ server })))).toEqual([false, false, true, true]);
  });

  it("carries its failure in the error, keeping the cause's source and code", () => {
    const cause = new ExternalError("hetzner", "server_error", "host exploded", { status: 500 });
    const error = new ProvisionError(
      failure({ reason: "Hetzner had a problem", detail: "host exploded" }),
      cause,
    );
    expect(error).toMatchObject({
      source: "hetzner",
      code: "server_error",
      status: 500,
      message: "host exploded",
    });
    expect(failureOf(error, "ccc-other", "ignored")).toBe(error.failure);
    expect(failureOf(new Error("bug"), "ccc-bbbbbb", "Something went wrong")).toEqual({
      instanceId: "ccc-bbbbbb",
      step: null,
      reason: "Something went wrong",
      detail: "bug",
      deletedMeanwhile: false,
      server: "unknown",
      cleanupError: null,
    });
  });
});
