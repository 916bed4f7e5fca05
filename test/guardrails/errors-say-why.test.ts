// Errors that say why, where an operator or a person meets them: `ccc types` naming the guardrail
// that left nothing, the unknown-type refusal listing only what may be picked, and failure lines
// without doubled punctuation.
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/harness.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { runCcc } from "../helpers/run-ccc.ts";

let h: Harness | undefined;
afterEach(async () => {
  if (h) {
    expect(h.strayServers()).toEqual([]);
    await h.close();
  }
  h = undefined;
});

async function ccc(env: Record<string, string>, args: string[]) {
  h = h ?? (await startHarness({ env }));
  return runCcc(h, args);
}

describe("errors that say why", () => {
  it("types with nothing allowed names CCC_MAX_EUR_PER_HOUR", async () => {
    const run = await ccc({ CCC_MAX_EUR_PER_HOUR: "0.0001" }, ["types"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^None of the \d+ server type offers is allowed: .*CCC_MAX_EUR_PER_HOUR is €0\.0001 and the cheapest allowed type, \S+, costs €[\d.]+ per hour\. An operator can change these settings\.\n$/,
    );
  });

  it("types with nothing allowed names CCC_ALLOWED_TYPES", async () => {
    const run = await ccc({ CCC_ALLOWED_TYPES: "cx99" }, ["types"]);
    expect(run.stdout).toContain("CCC_ALLOWED_TYPES allows only cx99");
    expect(run.stdout).not.toContain("No server types available");
  });

  it("the unknown-type refusal lists only the allowed types", async () => {
    const run = await ccc({ CCC_ALLOWED_TYPES: "cx23" }, [
      "provision",
      "--ssh-key",
      makeKeyPair().publicKey,
      "--type",
      "nope99",
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown server type "nope99". Available in fsn1: cx23.');
    expect(h?.cloud.servers()).toEqual([]);
  });

  it("a failed install reads as one sentence: no '.;', no '..', no ': .'", async () => {
    h = await startHarness();
    h.installer.behave({ exitCode: 1, errorOutput: "error: it broke." });
    const run = await runCcc(h, ["provision", "--ssh-key", makeKeyPair().publicKey]);
    expect(run.code).toBe(1);
    const said = `${run.stdout}${run.stderr}`;
    expect(said).toMatch(/failed: /);
    expect(said).not.toMatch(/\.;|\.\.(?!\.)|: \.|\.\s*\.$/m);
  });
});
