// One HTTP status per refusal code, for the API and the dashboard alike, in one map the compiler checks.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { apiErrorOf } from "../../src/api/api-error.ts";
import { PROJECT_ROOT } from "../../src/config.ts";
import {
  ExternalError,
  ForbiddenError,
  NotFoundError,
  QuotaError,
  type RefusalCode,
  UserError,
} from "../../src/core/errors.ts";
import { silentLogger } from "../../src/core/ports/logger.ts";
import { REFUSAL_STATUS, refusalStatus } from "../../src/http/refusal-status.ts";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("refusal codes and their HTTP statuses", () => {
  it("are one map the compiler checks: a code without a status does not build", () => {
    // @ts-expect-error: a map that leaves out a code (here all but one) is a type error.
    const partial: Record<RefusalCode, number> = { busy: 409 };
    // @ts-expect-error: a code core does not know is a type error too.
    new UserError("no", { code: "made_up" });
    expect(partial.busy).toBe(409);
    expect(Object.values(REFUSAL_STATUS).every((s) => [403, 404, 409, 422].includes(s))).toBe(true);
  });

  it("gives each refusal the status the API answers with", () => {
    const cases: [Error, number][] = [
      [new ForbiddenError("ccc-abc234 is not yours."), 403],
      [new NotFoundError("No instance ccc-abc234."), 404],
      [new UserError("busy", { code: "busy" }), 409],
      [new UserError("already deleted", { code: "already_deleted" }), 409],
      [new UserError("bad hours", { field: "hours" }), 422],
      [new QuotaError("at the limit"), 422],
      [new UserError("over budget", { code: "over_budget" }), 422],
    ];
    for (const [error, status] of cases) {
      expect(refusalStatus(error)).toBe(status);
      expect(apiErrorOf(error, silentLogger, "test").status).toBe(status);
    }
    expect(refusalStatus(new ExternalError("hetzner", "http_503", "down"))).toBeNull();
    expect(refusalStatus(new Error("bug"))).toBeNull();
  });

  it("is the only place in src that turns a refusal into a status", () => {
    const mapping =
      /instanceof (?:ForbiddenError|NotFoundError|UserError)\)\s*return\s*\{?\s*(?:status:\s*)?\d{3}|CONFLICTS/;
    const offenders = sourceFiles(join(PROJECT_ROOT, "src"))
      .filter((file) => mapping.test(readFileSync(file, "utf8")))
      .map((file) => relative(PROJECT_ROOT, file));
    expect(offenders).toEqual([]);
  });
});
