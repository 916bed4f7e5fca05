// A restored machine is prepared like a fresh provision: the saved machine's repository request carries
// over, and after the restore the real ccc-apply (behind a real sshd, as the real claude user) clones it;
// the outcome is kept and shown by GET /api/v1/instances/{id}'s verb (status --json) as `workspace`.
import { chownSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { restoreCommand } from "../../src/commands/restore.ts";
import { PROJECT_ROOT } from "../../src/config.ts";
import type { CoreDeps } from "../../src/core/deps.ts";
import type { Actor } from "../../src/core/instances/actor.ts";
import { generateHostKey } from "../../src/core/machine/host-key.ts";
import { saveMachine } from "../../src/core/snapshots/save.ts";
import { instanceStatusSchema } from "../../src/render/schemas/response-schemas.ts";
import type { FakeServer } from "../../stand-ins/fake-hetzner.ts";
import { type FakeSshd, sshdMissingReason, startSshd } from "../../stand-ins/sshd.ts";
import {
  type ClaudeUser,
  claudeUser,
  claudeUserMissingReason,
  removeClaudeUser,
} from "../helpers/claude-user.ts";
import { makeBareRepo } from "../helpers/git-repos.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { plant } from "../lifecycle/world.ts";
import { CCC_APPLY } from "../secrets/secrets-world.ts";

const ALICE: Actor = { id: "U0ALICE", isAdmin: false };
let h: Harness | undefined;
let u: ClaudeUser | undefined;
const machines: Promise<FakeSshd>[] = [];

afterEach(async () => {
  await Promise.all(machines.splice(0).map(async (m) => (await m).stop()));
  await h?.close();
  if (u) await removeClaudeUser(u);
  h = undefined;
  u = undefined;
});

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)(
  "a restored machine's workspace",
  () => {
    it("clones the saved machine's repository after the restore and shows the outcome in status", async () => {
      const user = claudeUser();
      u = user;
      const gitRoot = join(user.dir, "git");
      mkdirSync(gitRoot, { mode: 0o755 });
      chownSync(gitRoot, user.uid, user.gid);
      const bare = makeBareRepo(gitRoot, "acme/app", { "README.md": "hello\n" });
      const hostKey = generateHostKey("root@saved");
      const root = join(user.dir, "machine");
      let deps: CoreDeps | undefined;
      const harness = await startHarness({
        manualSsh: true,
        cloud: {
          onServerRunning: (server: FakeServer) => {
            if (server.image.type !== "snapshot" || !deps) return;
            machines.push(
              startSshd({
                authorizedKeys: [deps.operatorKey.publicKey],
                hostKey,
                forced: {
                  program: CCC_APPLY,
                  root,
                  env: { PATH: `${user.bin}:/usr/sbin:/usr/bin:/sbin:/bin` },
                },
                host: server.public_net.ipv4.ip,
                port: deps.timing.sshPort,
              }),
            );
          },
        },
      });
      h = harness;
      deps = harness.deps;

      const { instance: saved } = await plant(deps, { owner: ALICE.id, minutes: 120 });
      deps.store.update(saved.id, { hostKey: hostKey.publicKey }, { actor: "test", kind: "installed" });
      deps.store.workspaces.put(
        saved.id,
        { repo: { url: `file://${bare}`, name: "app", branch: null, label: "acme/app", full: false } },
        deps.clock.now(),
      );
      expect((await saveMachine(deps, ALICE, saved.id)).kind).toBe("saved");
      // The disk as the saved machine left it: its id, and claude's home.
      mkdirSync(join(root, "etc/cloud-instance"), { recursive: true });
      writeFileSync(join(root, "etc/cloud-instance/instance-id"), `${saved.id}\n`);
      copyFileSync(
        join(PROJECT_ROOT, "nix/CLAUDE.cloud-instance.md"),
        join(root, "etc/cloud-instance/CLAUDE.md.in"),
      );
      mkdirSync(join(root, "home"), { mode: 0o755 });
      mkdirSync(join(root, "home/claude"), { mode: 0o700 });
      chownSync(join(root, "home/claude"), user.uid, user.gid);
      mkdirSync(join(root, "run/ccc"), { recursive: true });

      const shown = await restoreCommand.execute({ deps, actor: ALICE }, { snapshot: saved.id, hours: 2 });
      const { id } = shown.json() as { id: string };
      expect(shown.text({ now: deps.clock.now(), actor: ALICE })).toContain(
        "Repository acme/app: cloned at /home/claude/work/app",
      );
      expect(existsSync(join(root, "home/claude/work/app/README.md"))).toBe(true);

      const status = await runCcc(harness, ["status", id, "--json"]);
      expect(status.code, status.stderr).toBe(0);
      const json = instanceStatusSchema.parse(JSON.parse(status.stdout));
      expect(json.workspace).toMatchObject({
        repo: { label: "acme/app", path: "/home/claude/work/app", ok: true, action: "cloned" },
      });
      // The saved machine was never prepared by ccc (planted here): null, not a guess.
      const other = await runCcc(harness, ["status", saved.id, "--json"]);
      expect(JSON.parse(other.stdout).workspace).toBeNull();
    }, 60_000);
  },
);
