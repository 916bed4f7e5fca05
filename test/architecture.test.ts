// The shape of src/, checked on the source itself: which folder may import which, who owns the
// database and the environment, that the CLI starts without the heavy clients, and no cycles.
// (biome.json's noRestrictedImports says the same for core and commands, in the editor.)
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../src/config.ts";

interface Edge {
  from: string;
  /** A path relative to the project root for our files, else the package name. */
  to: string;
  typeOnly: boolean;
  dynamic: boolean;
}

const SRC = join(PROJECT_ROOT, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [relative(PROJECT_ROOT, path)] : [];
  });
}

function importsOf(file: string, text: string): Edge[] {
  const target = (spec: string) =>
    spec.startsWith(".") ? relative(PROJECT_ROOT, resolve(dirname(join(PROJECT_ROOT, file)), spec)) : spec;
  const edges: Edge[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?(?:[^;"]*?\sfrom\s+)?"([^"]+)";/gm)) {
    edges.push({ from: file, to: target(m[2] ?? ""), typeOnly: Boolean(m[1]), dynamic: false });
  }
  for (const m of text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)) {
    edges.push({ from: file, to: target(m[1] ?? ""), typeOnly: false, dynamic: true });
  }
  return edges;
}

const files = sourceFiles(SRC);
const texts = new Map(files.map((f) => [f, readFileSync(join(PROJECT_ROOT, f), "utf8")]));
const edges = files.flatMap((f) => importsOf(f, texts.get(f) ?? ""));
const inside = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);
const outgoing = (from: string) => edges.filter((e) => e.from === from);

function violations(fromFolder: string, allowed: (to: string) => boolean): string[] {
  return edges.filter((e) => inside(e.from, fromFolder) && !allowed(e.to)).map((e) => `${e.from} → ${e.to}`);
}

describe("where things go", () => {
  it("finds the imports it checks", () => {
    expect(files.length).toBeGreaterThan(50);
    expect(edges).toContainEqual({
      from: "src/cli/run-verb.ts",
      to: "src/compose.ts",
      typeOnly: false,
      dynamic: true,
    });
  });

  it("keeps core free of the doors, Slack and everything outside it", () => {
    const packages = new Set(["zod", "better-sqlite3", "sshpk"]);
    expect(
      violations("src/core", (to) => inside(to, "src/core") || to.startsWith("node:") || packages.has(to)),
    ).toEqual([]);
    for (const file of files.filter((f) => inside(f, "src/core"))) {
      const text = texts.get(file) ?? "";
      expect(text, file).not.toMatch(/process\.env|new Date\(\)|@slack\//);
    }
  });

  it("keeps HTTP out of core: the forges (GitHub, GitLab) and every other service are reached through ports", () => {
    const callers = files.filter((f) => inside(f, "src/core") && /\bfetch\(/.test(texts.get(f) ?? ""));
    expect(callers).toEqual([]);
    // The forge port's adapters are where the forges' REST APIs are spoken.
    expect(texts.get("src/adapters/forge-http.ts")).toMatch(/\bfetch\(/);
  });

  it("never imports the stand-ins, the demo or the tests: they are not part of the product", () => {
    const outside = ["stand-ins", "demo", "test", "bench"];
    expect(violations("src", (to) => !outside.some((folder) => inside(to, folder)))).toEqual([]);
  });

  it("keeps the stand-ins and the demo free of test code, so the demo never runs any", () => {
    const outsideSrc = ["stand-ins", "demo"].flatMap((folder) => sourceFiles(join(PROJECT_ROOT, folder)));
    expect(outsideSrc.length).toBeGreaterThan(10);
    const found = outsideSrc.flatMap((file) =>
      importsOf(file, readFileSync(join(PROJECT_ROOT, file), "utf8"))
        .filter((e) => inside(e.to, "test") || e.to === "vitest" || e.to.startsWith("vitest/"))
        .map((e) => `${e.from} → ${e.to}`),
    );
    expect(found).toEqual([]);
  });

  it("keeps the verbs and the renderers free of the doors", () => {
    const doors = ["src/slack", "src/cli", "src/api", "src/web", "src/http", "src/cli.ts", "src/bot.ts"];
    const noDoor = (to: string) => !doors.some((d) => inside(to, d));
    expect(violations("src/commands", noDoor)).toEqual([]);
    expect(violations("src/render", (to) => noDoor(to) && !inside(to, "src/commands"))).toEqual([]);
  });

  it("keeps the doors apart: web, api, cli and slack never import each other; metrics and doors/ import no door", () => {
    const doors = ["src/web", "src/api", "src/cli", "src/slack"];
    for (const door of doors) {
      const others = doors.filter((d) => d !== door);
      const allowed = (to: string) => !others.some((o) => inside(to, o));
      expect(violations(door, allowed), door).toEqual([]);
    }
    const noDoor = (to: string) => ![...doors, "src/bot.ts", "src/cli.ts"].some((d) => inside(to, d));
    expect(violations("src/metrics", noDoor)).toEqual([]);
    // What the doors share belongs to none of them.
    expect(violations("src/doors", noDoor)).toEqual([]);
    expect(files.filter((f) => inside(f, "src/doors")).length).toBeGreaterThan(3);
  });

  it("lets only the store hold the database, and only through store.ts", () => {
    const sqlite = edges.filter((e) => e.to === "better-sqlite3" && !inside(e.from, "src/core/store"));
    expect(sqlite).toEqual([]);
    const internals = edges.filter(
      (e) =>
        inside(e.to, "src/core/store") &&
        e.to !== "src/core/store/store.ts" &&
        !inside(e.from, "src/core/store"),
    );
    expect(internals).toEqual([]);
    const sql = files.filter(
      (f) =>
        !inside(f, "src/core/store") &&
        /\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b/.test(texts.get(f) ?? ""),
    );
    expect(sql).toEqual([]);
  });

  it("lets only the config read the environment's names, and only the entry points pass it in", () => {
    const readers = files.filter((f) =>
      /\.(CCC|HCLOUD|SLACK)_[A-Z_]+\b|\benv\.(PATH|HOME|USER|PORT)\b/.test(texts.get(f) ?? ""),
    );
    expect(readers).toEqual(["src/config.ts"]);
    expect(files.filter((f) => /process\.env/.test(texts.get(f) ?? ""))).toEqual([
      "src/bot.ts",
      "src/cli.ts",
    ]);
  });

  it("starts the CLI without Slack, the Hetzner client, execa, sshpk, the database or the API's answer schemas", () => {
    const loaded = new Set<string>();
    const visit = (file: string) => {
      if (loaded.has(file)) return;
      loaded.add(file);
      for (const e of outgoing(file)) if (!e.typeOnly && !e.dynamic) visit(e.to);
    };
    visit("src/cli.ts");
    const heavy = [...loaded].filter(
      (m) =>
        /^@slack\/|^execa$|^sshpk$|^better-sqlite3$/.test(m) ||
        m === "src/adapters/hetzner/hetzner-client.ts" ||
        // The API's zod schemas are built by the API alone (verbs name theirs: RESPONSES).
        /^src\/render\/schemas\/(?!examples\.ts$)/.test(m),
    );
    expect(heavy).toEqual([]);
    expect(loaded).toContain("src/commands/index.ts");
    expect(loaded).toContain("src/render/schemas/examples.ts");
  });

  it("has no import cycles", () => {
    const cycles: string[] = [];
    const state = new Map<string, "visiting" | "done">();
    const stack: string[] = [];
    const visit = (file: string) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "visiting") {
        cycles.push([...stack.slice(stack.indexOf(file)), file].join(" → "));
        return;
      }
      state.set(file, "visiting");
      stack.push(file);
      for (const e of outgoing(file)) if (e.to.startsWith("src/") && !e.dynamic) visit(e.to);
      stack.pop();
      state.set(file, "done");
    };
    for (const file of files) visit(file);
    expect(cycles).toEqual([]);
  });
});
