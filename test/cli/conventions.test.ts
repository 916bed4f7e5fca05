// Issue 20, the CLI's conventions: `ccc --version`, `ccc completion bash|zsh|fish` (scripts the real shells
// load and complete with), a bare `ccc` is help with exit 0, and usage errors under --json are JSON.
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.ts";
import { PROJECT_ROOT } from "../../src/config.ts";

async function ccc(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    env: {},
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readStdin: () => "",
  });
  return { code, stdout, stderr };
}

const has = (shell: string) =>
  execa(shell, ["-c", "exit 0"], { reject: false }).then(
    (r) => r.exitCode === 0,
    () => false,
  );

/** Loads the script into `shell` and prints what it completes `line` (the words typed so far) to. */
async function complete(shell: "bash" | "zsh" | "fish", words: string[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), "ccc-completion-"));
  try {
    const script = join(dir, `ccc.${shell}`);
    await writeFile(script, (await ccc(["completion", shell])).stdout);
    const typed = words.join(" ");
    const program =
      shell === "bash"
        ? `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _ccc; printf '%s\\n' "\${COMPREPLY[@]}"`
        : shell === "zsh"
          ? // No completion system in a script: compadd prints what it was given, words is what was typed.
            `compadd() { shift; print -l -- "$@"; }; compdef() { :; }; source ${script}; words=(${words.map((w) => `'${w}'`).join(" ")}); CURRENT=${words.length}; _ccc | grep -- '^${words.at(-1) ?? ""}'`
          : `source ${script}; complete -C '${typed}'`;
    const run = await execa(shell, ["-c", program], { reject: false });
    expect(run.stderr).toBe("");
    return run.stdout
      .split("\n")
      .map((l) => l.split("\t")[0] ?? "")
      .filter(Boolean);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("the ccc command line's conventions", () => {
  it("prints its version with --version and -V, from package.json", async () => {
    const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8"));
    for (const flag of ["--version", "-V"]) {
      expect(await ccc([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
    }
  });

  it("prints the help and exits 0 when run with nothing", async () => {
    const bare = await ccc([]);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toMatch(/^Usage: ccc \[options\] \[command\]/);
    expect(bare.stdout).toContain("completion <shell>");
    expect(bare.stderr).toBe("");
  });

  it("answers usage errors under --json as JSON on stdout, exit 2, like every other error", async () => {
    for (const argv of [
      ["list", "--bogus", "--json"],
      ["extend", "--json"],
      ["--json", "frobnicate"],
    ]) {
      const run = await ccc(argv);
      expect(run.code, argv.join(" ")).toBe(2);
      expect(JSON.parse(run.stdout), argv.join(" ")).toEqual({
        error: { code: "usage", message: expect.any(String) },
      });
      expect(run.stderr).toMatch(/^error: /);
    }
    const plain = await ccc(["list", "--bogus"]);
    expect(plain).toMatchObject({ code: 2, stdout: "" });
  });

  it("refuses a completion shell it does not know", async () => {
    const run = await ccc(["completion", "tcsh"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("bash, zsh, fish");
  });

  for (const shell of ["bash", "zsh", "fish"] as const) {
    it(`completes verbs and their flags in ${shell}`, async (ctx) => {
      ctx.skip(!(await has(shell)), `${shell} is not installed`);
      expect(await complete(shell, ["ccc", "ext"])).toEqual(["extend"]);
      const verbs = await complete(shell, ["ccc", "pr"]);
      expect(verbs).toEqual(expect.arrayContaining(["provision", "prefs"]));
      expect(await complete(shell, ["ccc", "provision", "--ty"])).toEqual(["--type"]);
      expect(await complete(shell, ["ccc", "list", "--"])).toEqual(
        expect.arrayContaining(["--all", "--user", "--json"]),
      );
    });
  }
});
