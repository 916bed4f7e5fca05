// Start from a repository, through the real CLI door: a pool machine (a real sshd running the real ccc-apply,
// with real runuser and git as the real claude user) clones the repository after the handover, the ready
// answer says where it is; a private repository is refused before anything is spent unless the owner's token
// can read it (the GitHub stand-in's REST check), and then clones with that token through the credential helper.
import { chownSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { refillPool } from "../../src/core/pool/refill.ts";
import { type FakeGithub, startFakeGithub } from "../../stand-ins/fake-github.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import {
  type ClaudeUser,
  claudeUser,
  claudeUserMissingReason,
  removeClaudeUser,
  writeSecrets,
} from "../helpers/claude-user.ts";
import { makeBareRepo, SAFE_EVERYWHERE } from "../helpers/git-repos.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { type PoolWorld, startPoolWorld } from "../pool/pool-world.ts";

const TOKEN = "ghp_CANARYprovision0123456789abcdefghijkl";

interface World {
  u: ClaudeUser;
  gh: FakeGithub;
  w: PoolWorld;
}
let world: World | undefined;
afterEach(async () => {
  await world?.w.close();
  await world?.gh.close();
  if (world) await removeClaudeUser(world.u);
  world = undefined;
});

async function makeWorld(): Promise<World> {
  const u = claudeUser();
  const gitRoot = join(u.dir, "git");
  mkdirSync(gitRoot, { mode: 0o755 });
  chownSync(gitRoot, u.uid, u.gid);
  makeBareRepo(gitRoot, "acme/app", { "README.md": "hello\n", "src/main.ts": "export {};\n" });
  makeBareRepo(gitRoot, "acme/private", { "secret.txt": "ours\n" });
  const gh = await startFakeGithub({ gitRoot, gitConfig: SAFE_EVERYWHERE });
  gh.addRepo("acme/app", { private: false, tokens: [] });
  gh.addRepo("acme/private", { private: true, tokens: [TOKEN] });
  const w = await startPoolWorld(
    { CCC_POOL: "cx23@fsn1=1", CCC_GITHUB_URL: gh.url, CCC_GITHUB_API_URL: gh.url },
    {},
    {
      kind: "ccc-apply",
      rootDir: join(u.dir, "machines"),
      env: { PATH: `${u.bin}:/usr/sbin:/usr/bin:/sbin:/bin` },
    },
  );
  return { u, gh, w };
}

/** Fills the pool and boots its machine, with the claude user's home as NixOS makes it. */
async function warmMachine({ u, w }: World) {
  await refillPool(w.deps);
  await w.bootMachines();
  const [member] = w.deps.store.pool.list();
  if (!member?.ipv4) throw new Error("no ready pool machine");
  const root = w.machineRoot(member.ipv4);
  mkdirSync(join(root, "home"), { mode: 0o755 });
  mkdirSync(join(root, "home/claude"), { mode: 0o700 });
  chownSync(join(root, "home/claude"), u.uid, u.gid);
  mkdirSync(join(root, "run/ccc"), { recursive: true });
  return { id: member.id, ip: member.ipv4, root };
}

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)(
  "ccc provision --repo",
  () => {
    it("clones the repository into ~/work/<name> after the handover and says where it is", async () => {
      world = await makeWorld();
      const machine = await warmMachine(world);

      const made = await runCcc(world.w.h, [
        "provision",
        "--ssh-key",
        makeKeyPair().publicKey,
        "--repo",
        "acme/app",
      ]);

      expect(made.code, made.stderr).toBe(0);
      expect(made.stdout).toMatch(/Ready in \d+ s from the pool\./);
      expect(made.stdout).toContain("Repository acme/app: cloned at /home/claude/work/app (cd ~/work/app).");
      expect(made.stderr).toContain("Cloning into ~/work/app");
      expect(readFileSync(join(machine.root, "home/claude/work/app/src/main.ts"), "utf8")).toBe(
        "export {};\n",
      );
      // Checked through the REST API before the clone; public, so without a token.
      expect(world.gh.calls[0]).toMatchObject({
        method: "GET",
        path: "/repos/acme/app",
        token: null,
        status: 200,
      });
      expect(world.gh.problems).toEqual([]);
      // Remembered: the form's default and `again`.
      expect(world.w.deps.store.prefs.get("opal").repo).toBe("acme/app");
      expect(world.w.deps.store.lastRequests.get("opal")).toMatchObject({
        repo: "acme/app",
        fullClone: false,
      });
    }, 60_000);

    it("refuses a private repository without a token before anything is spent", async () => {
      world = await makeWorld();
      await warmMachine(world);
      const servers = world.w.h.cloud.servers().length;

      const made = await runCcc(world.w.h, [
        "provision",
        "--ssh-key",
        makeKeyPair().publicKey,
        "--repo",
        "acme/private",
      ]);

      expect(made.code).toBe(2);
      expect(made.stderr).toContain(
        "ccc cannot read GitHub repository acme/private: it does not exist or is private, and you have no GITHUB_TOKEN set",
      );
      expect(world.w.deps.store.list()).toEqual([]);
      expect(world.w.deps.store.pool.list().map((m) => m.state)).toEqual(["ready"]);
      expect(world.w.h.cloud.servers()).toHaveLength(servers);
    }, 60_000);

    it("with the owner's token: checked with it, cloned with it through the credential helper, never shown", async () => {
      world = await makeWorld();
      const machine = await warmMachine(world);
      // What the secret store pushes to the machine (another part of issue 21).
      writeSecrets(
        { ...world.u, secretsFile: join(machine.root, "run/ccc/secrets.env") },
        { GITHUB_TOKEN: TOKEN },
      );
      const repoTokens = async (owner: string, forge: string) =>
        owner === "opal" && forge === "github" ? TOKEN : undefined;

      const made = await runCcc(
        world.w.h,
        ["provision", "--ssh-key", makeKeyPair().publicKey, "--repo", "acme/private@main", "--json"],
        { compose: { repoTokens } },
      );

      expect(made.code, made.stderr).toBe(0);
      const answer = JSON.parse(made.stdout);
      expect(answer.workspace.repo).toEqual({
        label: "acme/private@main",
        path: "/home/claude/work/private",
        ok: true,
        action: "cloned",
      });
      expect(readFileSync(join(machine.root, "home/claude/work/private/secret.txt"), "utf8")).toBe("ours\n");
      expect(world.gh.calls[0]).toMatchObject({ path: "/repos/acme/private", token: TOKEN, status: 200 });
      expect(world.gh.calls.some((c) => c.path.endsWith("git-upload-pack") && c.token === TOKEN)).toBe(true);
      expect(made.stdout + made.stderr).not.toContain(TOKEN);
      expect(readFileSync(join(machine.root, "home/claude/work/private/.git/config"), "utf8")).not.toContain(
        TOKEN,
      );
    }, 60_000);

    it("refuses a URL carrying a token without repeating it, and a --full-clone without --repo", async () => {
      world = await makeWorld();
      const bad = await runCcc(world.w.h, [
        "provision",
        "--ssh-key",
        makeKeyPair().publicKey,
        "--repo",
        `https://x-access-token:${TOKEN}@github.com/acme/app.git`,
      ]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("A repository URL must not carry a user name or token");
      expect(bad.stdout + bad.stderr).not.toContain(TOKEN);
      const full = await runCcc(world.w.h, [
        "provision",
        "--ssh-key",
        makeKeyPair().publicKey,
        "--full-clone",
      ]);
      expect(full.code).toBe(2);
      expect(full.stderr).toContain("A full clone needs a repository");
      expect(world.w.deps.store.list()).toEqual([]);
      expect(existsSync(join(world.u.dir, "machines"))).toBe(false);
    }, 60_000);
  },
);
