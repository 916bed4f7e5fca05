// A pool machine's hand-over with the owner's secrets in the same document (`secrets`, a whole ccc-secrets
// document): the real ccc-apply against a temporary root. The state is written first, then the secrets;
// a bad secrets part refuses the whole, writing nothing and repeating no value; secrets that cannot be
// written leave the state written and say so in their own part of the answer.
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { describe, expect, test } from "vitest";
import { SecretValue } from "../../src/core/secrets/secret-value.ts";
import {
  expectedDigest,
  secretsDocument,
  secretsWireObject,
} from "../../src/core/secrets/secrets-document.ts";
import { goodDocument, machineId } from "../nix/ccc-apply-cases.ts";
import { CCC_APPLY, SECRETS_GID } from "./secrets-world.ts";

const TEMPLATE = resolve(import.meta.dirname, "../../nix/CLAUDE.cloud-instance.md");
const it = test.extend<{ root: string }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  root: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), "ccc-apply-handover-"));
    await mkdir(join(dir, "etc/cloud-instance"), { recursive: true });
    await writeFile(join(dir, "etc/cloud-instance/instance-id"), `${machineId}\n`);
    await copyFile(TEMPLATE, join(dir, "etc/cloud-instance/CLAUDE.md.in"));
    await writeFile(join(dir, "etc/group"), `root:x:0:\nccc-secrets:x:${SECRETS_GID}:claude\n`);
    await use(dir);
    await rm(dir, { recursive: true, force: true });
  },
});

async function apply(root: string, doc: unknown) {
  const run = await execa("node", [CCC_APPLY, "--root", root], { input: JSON.stringify(doc), reject: false });
  return {
    code: run.exitCode,
    answer: JSON.parse(run.stdout) as Record<string, unknown>,
    stderr: run.stderr,
  };
}

const secretsOf = (pairs: Record<string, string>) =>
  secretsDocument(
    machineId,
    Object.entries(pairs).map(([name, value]) => ({ name, value: new SecretValue(value) })),
  );
const secretsFile = (root: string) => join(root, "run/ccc/secrets.env");
const stateFile = (root: string) => join(root, "var/lib/cloud-instance/state.json");

describe.concurrent("ccc-apply: the hand-over carrying the secrets", () => {
  it("writes the state, then the secrets, and answers both", async ({ root }) => {
    const sent = secretsOf({ MY_TOKEN: "v1" });
    const { code, answer } = await apply(root, { ...goodDocument, secrets: secretsWireObject(sent) });
    expect(code).toBe(0);
    expect(answer.ok).toBe(true);
    expect(answer.owner).toBe(goodDocument.owner);
    expect(answer.secrets).toEqual({
      ok: true,
      instanceId: machineId,
      names: ["MY_TOKEN"],
      digest: expectedDigest(sent),
    });
    expect(await readFile(secretsFile(root), "utf8")).toBe("MY_TOKEN='v1'\n");
    expect(JSON.parse(await readFile(stateFile(root), "utf8")).owner).toBe(goodDocument.owner);
  });

  it("refuses a bad secrets part or one for another machine, writing nothing, repeating no value", async ({
    root,
  }) => {
    const good = secretsWireObject(secretsOf({ A: "CANARY" }));
    const cases: [unknown, RegExp][] = [
      [{ ...good, secrets: [{ name: "bad name", value: "CANARY" }] }, /secrets: secrets\[0\]\.name/],
      [{ ...good, instanceId: "ccc-zz99zz" }, /secrets is for another machine/],
      [{ ...good, kind: "workspace" }, /secrets must be a ccc-secrets document/],
      ["CANARY", /secrets must be a ccc-secrets document/],
    ];
    for (const [secrets, message] of cases) {
      const { code, answer, stderr } = await apply(root, { ...goodDocument, secrets });
      expect(code).toBe(2);
      expect(String(answer.error)).toMatch(message);
      expect(JSON.stringify(answer) + stderr).not.toContain("CANARY");
    }
    await expect(stat(stateFile(root))).rejects.toThrow(/ENOENT/);
    await expect(stat(secretsFile(root))).rejects.toThrow(/ENOENT/);
  });

  it("keeps the state written when only the secrets fail, and says why in their part", async ({ root }) => {
    await writeFile(join(root, "etc/group"), "root:x:0:\n");
    const { code, answer } = await apply(root, {
      ...goodDocument,
      secrets: secretsWireObject(secretsOf({ A: "CANARY" })),
    });
    expect(code).toBe(0);
    expect(answer.ok).toBe(true);
    expect(answer.secrets).toMatchObject({ ok: false });
    expect(String((answer.secrets as { error: string }).error)).toContain("no ccc-secrets group");
    expect(JSON.stringify(answer)).not.toContain("CANARY");
    expect(JSON.parse(await readFile(stateFile(root), "utf8")).owner).toBe(goodDocument.owner);
    await expect(stat(secretsFile(root))).rejects.toThrow(/ENOENT/);
  });
});
