// A task commits as its person even when they set no git prefs: core picks the identity (prefs, else the
// Slack display name and the owner email ccc knows, else a noreply address) and the machine sets it in the
// repository, so the real claude's `git commit` works on a machine whose workspace set none.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CoreDeps } from "../../src/core/deps.ts";
import { noreplyEmail, taskGitIdentity } from "../../src/core/tasks/task-git-identity.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { buildCoreDeps } from "../helpers/core-deps.ts";
import { makeTaskWorld, readToEnd, startDoc, type TaskWorld, TOKEN } from "./task-world.ts";

let dir: string | undefined;
let deps: CoreDeps | undefined;
let world: TaskWorld | undefined;
afterEach(async () => {
  deps?.store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await world?.close();
  deps = undefined;
  dir = undefined;
  world = undefined;
});

function freshDeps(): CoreDeps {
  dir = mkdtempSync(join(tmpdir(), "ccc-git-id-"));
  deps = buildCoreDeps({ CCC_DB_PATH: join(dir, "ccc.db") });
  return deps;
}

describe("a task's git identity", () => {
  it("is the prefs when set, else the Slack display name and a noreply address, else the id", async () => {
    const d = freshDeps();
    expect(await taskGitIdentity(d, "U0NOPREF")).toEqual({
      name: "U0NOPREF",
      email: "U0NOPREF@users.noreply.invalid",
    });
    d.personName = async (id) => (id === "U0NOPREF" ? "Nora <Pref>\u0007" : id);
    expect(await taskGitIdentity(d, "U0NOPREF")).toEqual({
      name: "Nora Pref",
      email: "U0NOPREF@users.noreply.invalid",
    });
    d.personName = async () => {
      throw new Error("slack is down");
    };
    expect((await taskGitIdentity(d, "U0NOPREF")).name).toBe("U0NOPREF");
    d.store.prefs.update("U0NOPREF", { gitName: "Nora P.", gitEmail: "nora@example.com" }, d.clock.now());
    expect(await taskGitIdentity(d, "U0NOPREF")).toEqual({ name: "Nora P.", email: "nora@example.com" });
    expect(noreplyEmail("opal ops/../x")).toBe("opal-ops-..-x@users.noreply.invalid");
  });
});

describe.skipIf(sshdMissingReason ?? claudeUserMissingReason)("a task by a person with no git prefs", () => {
  it("commits (the real claude) as the identity ccc sends, on a machine with none of its own", async () => {
    const identity = await taskGitIdentity(freshDeps(), "U0NOPREF");
    world = await makeTaskWorld({ gitIdentity: false });
    const w = world;
    const id = "tsk-n2pref2a";
    w.api.script(
      {
        toolUse: {
          name: "Bash",
          input: {
            command: "echo hello > HELLO.md && git add HELLO.md && git commit -q -m 'Say hello'",
            description: "Commit a file",
          },
        },
      },
      { text: "I committed HELLO.md." },
    );
    const started = await w.channel.start(w.target, startDoc(id, "Say hello", { git: identity }));
    expect(started).toMatchObject({ kind: "ok" });
    await readToEnd(w.channel, w.target, id);
    const pushed = await w.channel.push(w.target, id, "app", `ccc/${id}`);
    expect(pushed).toMatchObject({ kind: "ok", commits: 1, pushed: true });
    const author = execFileSync(
      "git",
      ["--git-dir", w.bare, "log", "-1", "--format=%an <%ae>|%cn <%ce>", `refs/heads/ccc/${id}`],
      {
        encoding: "utf8",
      },
    ).trim();
    expect(author).toBe(
      "U0NOPREF <U0NOPREF@users.noreply.invalid>|U0NOPREF <U0NOPREF@users.noreply.invalid>",
    );
    expect(w.github.calls.filter((c) => c.path.endsWith("git-receive-pack")).at(-1)).toMatchObject({
      token: TOKEN,
      status: 200,
    });
  }, 180_000);
});
