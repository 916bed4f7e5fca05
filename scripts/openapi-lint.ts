// `npm run lint:openapi` (and a step of `npm test`): writes the API's OpenAPI document, generated from
// the verbs' zod schemas as the bot serves it, to a temporary file and lints it with redocly (its
// recommended rules) and spectral (the oas ruleset, .spectral.yaml). Either reporting any error or
// warning fails. Offline: no telemetry, no update check, no rules fetched.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ENDPOINTS } from "../src/api/endpoints.ts";
import { openApiDocument } from "../src/api/openapi.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name: string) => join(root, "node_modules", ".bin", name);
const OFFLINE = {
  REDOCLY_TELEMETRY: "off",
  REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
  NO_UPDATE_NOTIFIER: "1",
};

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      env: { ...process.env, ...OFFLINE },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", (error) => resolve({ code: 1, stdout, stderr: String(error) }));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

interface Problem {
  severity: string;
  rule: string;
  message: string;
  where: string;
}

/** redocly's JSON report: totals, and each problem with its rule and place. */
function redoclyProblems(stdout: string): Problem[] {
  const report = JSON.parse(stdout.slice(stdout.indexOf("{"), stdout.lastIndexOf("}") + 1)) as {
    problems: { severity: string; ruleId: string; message: string; location: { pointer: string }[] }[];
  };
  return report.problems.map((p) => ({
    severity: p.severity,
    rule: p.ruleId,
    message: p.message,
    where: p.location[0]?.pointer ?? "",
  }));
}

/** spectral's JSON report: a list of results; severity 0 error, 1 warning, 2 info, 3 hint. */
function spectralProblems(stdout: string): Problem[] {
  const results = JSON.parse(stdout.slice(stdout.indexOf("["), stdout.lastIndexOf("]") + 1)) as {
    severity: number;
    code: string;
    message: string;
    path: string[];
  }[];
  return results.map((r) => ({
    severity: ["error", "warning", "info", "hint"][r.severity] ?? String(r.severity),
    rule: r.code,
    message: r.message,
    where: `#/${r.path.join("/")}`,
  }));
}

const dir = mkdtempSync(join(tmpdir(), "ccc-openapi-"));
const file = join(dir, "openapi.json");
try {
  writeFileSync(file, JSON.stringify(openApiDocument(ENDPOINTS), null, 2));
  const linters = [
    {
      name: "redocly lint (recommended)",
      args: [bin("redocly"), "lint", "--extends=recommended", "--format=json", file],
      problems: redoclyProblems,
    },
    {
      name: "spectral lint (spectral:oas, .spectral.yaml)",
      args: [
        bin("spectral"),
        "lint",
        "--ruleset",
        join(root, ".spectral.yaml"),
        "-f",
        "json",
        "-F",
        "hint",
        file,
      ],
      problems: spectralProblems,
    },
  ];
  const results = await Promise.all(linters.map((l) => run(process.execPath, l.args)));
  let failed = false;
  linters.forEach((linter, i) => {
    const result = results[i] ?? { code: 1, stdout: "", stderr: "" };
    let problems: Problem[];
    try {
      problems = linter.problems(result.stdout);
    } catch {
      failed = true;
      console.error(
        `\n${linter.name} gave no report (exit ${result.code}):\n${result.stdout}${result.stderr}`,
      );
      return;
    }
    // Every finding counts, warnings too: the document must come out clean.
    if (problems.length === 0) {
      console.log(`${linter.name}: 0 errors, 0 warnings`);
      return;
    }
    failed = true;
    console.error(`\n${linter.name} failed:`);
    for (const p of problems) console.error(`  ${p.severity} ${p.rule} at ${p.where}: ${p.message}`);
  });
  process.exitCode = failed ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
