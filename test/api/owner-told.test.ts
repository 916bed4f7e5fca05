// When someone else acts on a person's machine (an admin's extend or delete, a machine made for
// them, its failed build), the owner gets a DM saying who did what; not when they act themselves.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { instanceSchema } from "../../src/render/schemas/response-schemas.ts";
import { type FakeSlack, startFakeSlack } from "../../stand-ins/fake-slack.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { ADMIN, ALICE } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { call, readyViaApi, tokenFor } from "./api-client.ts";

/** The DMs to `user` at the fake Slack, as plain text. */
const dmsTo = (slack: FakeSlack, user: string) =>
  slack
    .messages()
    .filter((m) => m.channel === `D${user.replace(/^U/, "")}`)
    .map((m) => m.text);

describe("the owner is told when someone else acts on their machine, in the CLI", () => {
  let h: Harness;
  let slack: FakeSlack;
  beforeEach(async () => {
    h = await startHarness();
    slack = await startFakeSlack();
  });
  afterEach(async () => {
    expect(h.strayServers()).toEqual([]);
    await slack.close();
    await h.close();
  });
  const ccc = (args: string[]) =>
    runCcc(h, args, { env: { SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl } });

  it("DMs who made, extended and deleted it; the operator's own machine gets no DM", async () => {
    const key = makeKeyPair().publicKey;
    const made = await ccc(["provision", "--user", "U0ALICE", "--ssh-key", key, "--json"]);
    expect(made.code).toBe(0);
    const { id, ipv4 } = JSON.parse(made.stdout);
    const port = h.env.CCC_SSH_PORT;
    expect(dmsTo(slack, "U0ALICE")).toEqual([
      `opal made the machine ${id} for you; it is ready: ssh -p ${port} claude@${ipv4}.`,
    ]);

    expect((await ccc(["extend", id, "1"])).code).toBe(0);
    expect(dmsTo(slack, "U0ALICE")[1]).toMatch(
      new RegExp(`^opal extended your machine ${id} by 1 h; it now expires at .* UTC\\.$`),
    );
    expect((await ccc(["deprovision", id])).code).toBe(0);
    expect(dmsTo(slack, "U0ALICE")[2]).toBe(`opal deleted your machine ${id}; its server is gone.`);
    // Deleting it again changes nothing and tells nobody.
    expect((await ccc(["deprovision", id])).code).toBe(0);
    expect(dmsTo(slack, "U0ALICE")).toHaveLength(3);

    const own = await ccc(["provision", "--ssh-key", key, "--json"]);
    expect((await ccc(["deprovision", JSON.parse(own.stdout).id])).code).toBe(0);
    expect(slack.calls("chat.postMessage")).toHaveLength(3);
  });

  it("DMs the owner when a machine made for them with again --user fails to build", async () => {
    const key = makeKeyPair().publicKey;
    const first = await ccc(["provision", "--user", "U0ALICE", "--ssh-key", key, "--json"]);
    await ccc(["deprovision", JSON.parse(first.stdout).id]);
    h.installer.behave({ exitCode: 1, errorOutput: "error: boom at /nix/store/secret-path" });
    const again = await ccc(["again", "--user", "U0ALICE", "--json"]);
    expect(again.code).toBe(1);
    const last = dmsTo(slack, "U0ALICE").at(-1) ?? "";
    expect(last).toMatch(
      /^opal asked for the machine ccc-[a-z0-9]+ for you, but it failed: Installing NixOS on the server failed; the server was deleted\.$/,
    );
    expect(last).not.toContain("/nix/store");
  });
});

describe("the owner is told when someone else acts on their machine, through the API", () => {
  const b = useBotHarness();

  it("DMs Alice when an admin extends or deletes hers, and not when she does it herself", async () => {
    const alice = tokenFor(b, ALICE);
    const id = await readyViaApi(b, alice);
    const before = dmsTo(b.slack, ALICE).length; // her own machine's ready DM, if any
    expect(
      (await call(b, "POST", `/instances/${id}/extend`, { token: alice, body: { hours: 1 } })).status,
    ).toBe(200);
    expect(dmsTo(b.slack, ALICE)).toHaveLength(before);

    const admin = tokenFor(b, ADMIN);
    expect(
      (await call(b, "POST", `/instances/${id}/extend`, { token: admin, body: { hours: 1 } })).status,
    ).toBe(200);
    expect(dmsTo(b.slack, ALICE).at(-1)).toMatch(
      new RegExp(`^<@${ADMIN}> extended your machine ${id} by 1 h; it now expires at .* UTC\\.$`),
    );
    expect((await call(b, "DELETE", `/instances/${id}`, { token: admin })).status).toBe(200);
    expect(dmsTo(b.slack, ALICE).at(-1)).toBe(`<@${ADMIN}> deleted your machine ${id}; its server is gone.`);
  });

  it("DMs Alice when an admin's again for her is made, or its build fails", async () => {
    const id = await readyViaApi(b, tokenFor(b, ALICE));
    const admin = tokenFor(b, ADMIN);
    await call(b, "DELETE", `/instances/${id}`, { token: admin });
    const made = await call(b, "POST", "/again", { token: admin, body: { user: ALICE } });
    expect(made.status).toBe(202);
    const second = instanceSchema.parse(made.json).id;
    await b.slack.waitFor(() => dmsTo(b.slack, ALICE).some((t) => t.includes(`made the machine ${second}`)));
    expect(dmsTo(b.slack, ALICE).at(-1)).toMatch(
      new RegExp(
        `^<@${ADMIN}> made the machine ${second} for you; it is ready: ssh -p \\d+ claude@[\\d.]+\\.$`,
      ),
    );
    await call(b, "DELETE", `/instances/${second}`, { token: admin });

    b.h.installer.behave({ exitCode: 1 });
    const failing = await call(b, "POST", "/again", { token: admin, body: { user: ALICE } });
    const third = instanceSchema.parse(failing.json).id;
    await waitForState(
      () => b.running.bot.deps.store.get(third)?.status === "failed",
      15_000,
      `${third} failed`,
    );
    const told = await b.slack.waitFor(() =>
      dmsTo(b.slack, ALICE).find((t) => t.includes(`asked for the machine ${third}`)),
    );
    expect(told).toBe(
      `<@${ADMIN}> asked for the machine ${third} for you, but it failed: Installing NixOS on the server failed; the server was deleted.`,
    );
  });
});
