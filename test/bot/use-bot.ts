// The bot for each test of a file, and the steps most bot tests begin with.
import { expect } from "vitest";
import type { PostedMessage } from "../../stand-ins/fake-slack.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { perTest } from "../helpers/per-test.ts";
import { ALICE, type BotHarness, startBotHarness } from "./bot-harness.ts";
import { type SocketBotHarness, startSocketBotHarness } from "./socket-harness.ts";

type BotHarnessOptions = Parameters<typeof startBotHarness>[0];

/** A fresh HTTP bot per test (options made anew for each, e.g. its own clock); no server left behind. */
export function useBotHarness(options: () => BotHarnessOptions = () => ({})): BotHarness {
  return perTest(
    () => startBotHarness(options()),
    (b) => expect(b.h.strayServers()).toEqual([]),
  );
}

/** A fresh Socket Mode bot per test; after each, the fake socket saw nothing wrong and no server is left. */
export function useSocketBotHarness(): SocketBotHarness {
  return perTest(startSocketBotHarness, (b) => {
    expect(b.socket.problems()).toEqual([]);
    expect(b.h.strayServers()).toEqual([]);
  });
}

/** Provisions through the modal and returns the ready DM and the instance id. */
export async function readyMachine(b: BotHarness, user = ALICE): Promise<{ dm: PostedMessage; id: string }> {
  await b.send.submitProvision(user, {
    sshKey: makeKeyPair().publicKey,
    location: "fsn1",
    serverType: "cx23",
    hours: "2",
  });
  const dm = await b.slack.waitFor(() => b.slack.messages().find((m) => m.text.includes("is ready")), 15_000);
  return { dm, id: /ccc-[a-z2-9]{6}/.exec(dm.text)?.[0] ?? "" };
}

/** Where a click on `dm`'s buttons comes from, with a fresh response URL. */
export function clickWhere(b: BotHarness, dm: PostedMessage) {
  return { channel: dm.channel, ts: dm.ts, responseUrl: b.slack.responseUrl() };
}
