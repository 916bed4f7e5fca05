// ccc-apply's ccc-secrets document, the real script against a temporary root: the file's format, owner,
// group and mode; removal; refusals that change nothing and never repeat a value.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, test } from "vitest";
import { SecretValue } from "../../src/core/secrets/secret-value.ts";
import { expectedDigest, secretsDocument, secretsWire } from "../../src/core/secrets/secrets-document.ts";
import { CCC_APPLY, SECRETS_GID } from "./secrets-world.ts";

const ID = "ccc-ab12cd";
const it = test.extend<{ root: string }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  root: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), "ccc-apply-secrets-"));
    await mkdir(join(dir, "etc/cloud-instance"), { recursive: true });
    await writeFile(join(dir, "etc/cloud-instance/instance-id"), `${ID}\n`);
    await writeFile(join(dir, "etc/group"), `root:x:0:\nccc-secrets:x:${SECRETS_GID}:claude\n`);
    await use(dir);
    await rm(dir, { recursive: true, force: true });
  },
});

async function apply(root: string, input: string) {
  const run = await execa("node", [CCC_APPLY, "--root", root], { input, reject: false });
  return {
    code: run.exitCode,
    answer: JSON.parse(run.stdout) as Record<string, unknown>,
    stderr: run.stderr,
  };
}

const secrets = (pairs: Record<string, string>) =>
  Object.entries(pairs).map(([name, value]) => ({ name, value: new SecretValue(value) }));
const file = (root: string) => join(root, "run/ccc/secrets.env");

describe.concurrent("ccc-apply with a ccc-secrets document", () => {
  it("writes NAME='value' lines, root:ccc-secrets 0440, that a shell reads back exactly", async ({
    root,
  }) => {
    const odd = "a'b\"c $HOME `id` \\ ;";
    const doc = secretsDocument(ID, secrets({ GITHUB_TOKEN: `ghp_${"x".repeat(36)}`, ODD: odd }));
    const { code, answer } = await apply(root, secretsWire(doc));
    expect(code).toBe(0);
    expect(answer).toEqual({
      ok: true,
      instanceId: ID,
      names: ["GITHUB_TOKEN", "ODD"],
      digest: expectedDigest(doc),
    });
    expect(await readFile(file(root), "utf8")).toBe(
      `GITHUB_TOKEN='ghp_${"x".repeat(36)}'\nODD='a'\\''b"c $HOME \`id\` \\ ;'\n`,
    );
    const s = await stat(file(root));
    expect({ uid: s.uid, gid: s.gid, mode: s.mode & 0o7777 }).toEqual({
      uid: process.getuid?.(),
      gid: SECRETS_GID,
      mode: 0o440,
    });
    const read = execFileSync("sh", ["-c", `set -a; . '${file(root)}'; set +a; printf %s "$ODD"`]).toString();
    expect(read).toBe(odd);
  });

  it("removes the file when the list is empty", async ({ root }) => {
    await apply(root, secretsWire(secretsDocument(ID, secrets({ A: "1" }))));
    const empty = secretsDocument(ID, []);
    const { code, answer } = await apply(root, secretsWire(empty));
    expect({ code, answer }).toEqual({
      code: 0,
      answer: { ok: true, instanceId: ID, names: [], digest: expectedDigest(empty) },
    });
    await expect(stat(file(root))).rejects.toThrow(/ENOENT/);
  });

  it("refuses a bad document, changing nothing and repeating no value", async ({ root }) => {
    await apply(root, secretsWire(secretsDocument(ID, secrets({ KEEP: "kept" }))));
    const base = JSON.parse(secretsWire(secretsDocument(ID, [])));
    const cases: [unknown, RegExp][] = [
      [{ ...base, instanceId: "ccc-zz99zz" }, /this machine is ccc-ab12cd/],
      [{ ...base, secrets: [{ name: "bad name", value: "CANARY-1" }] }, /secrets\[0\]\.name/],
      [{ ...base, secrets: [{ name: "A", value: "CANARY\nline" }] }, /secrets\[0\]\.value must be one line/],
      [
        {
          ...base,
          secrets: [
            { name: "A", value: "CANARY" },
            { name: "A", value: "CANARY" },
          ],
        },
        /repeats A/,
      ],
      [{ ...base, extra: "CANARY" }, /unknown field extra/],
      [{ ...base, nonce: "CANARY" }, /nonce/],
    ];
    for (const [doc, message] of cases) {
      const { code, answer, stderr } = await apply(root, JSON.stringify(doc));
      expect(code).toBe(2);
      expect(String(answer.error)).toMatch(message);
      expect(JSON.stringify(answer) + stderr).not.toContain("CANARY");
    }
    expect(await readFile(file(root), "utf8")).toBe("KEEP='kept'\n");
  });

  it("fails without writing on a machine that has no ccc-secrets group", async ({ root }) => {
    await writeFile(join(root, "etc/group"), "root:x:0:\n");
    const { code, answer } = await apply(root, secretsWire(secretsDocument(ID, secrets({ A: "CANARY" }))));
    expect(code).toBe(1);
    expect(String(answer.error)).toContain("no ccc-secrets group");
    expect(JSON.stringify(answer)).not.toContain("CANARY");
    await expect(stat(file(root))).rejects.toThrow(/ENOENT/);
  });
});
