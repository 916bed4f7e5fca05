import { generateKeyPairSync } from "node:crypto";
import { HetznerClient, type HetznerClientOptions } from "../../src/adapters/hetzner/hetzner-client.ts";
import { systemClock } from "../../src/adapters/system-clock.ts";
import type { Clock } from "../../src/core/ports/clock.ts";
import type { FakeHetzner } from "../../stand-ins/fake-hetzner.ts";

/** The real clock, remembering every sleep it was asked for. */
export function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => systemClock.now(),
    sleep: (ms, signal) => {
      sleeps.push(ms);
      return systemClock.sleep(ms, signal);
    },
  };
}

/** A client against the fake with millisecond delays, so retries and polls run in real time quickly. */
export function clientFor(
  fake: FakeHetzner,
  overrides: Partial<HetznerClientOptions> = {},
): { client: HetznerClient; clock: ReturnType<typeof recordingClock> } {
  const clock = recordingClock();
  const client = new HetznerClient({
    endpoint: fake.url,
    token: fake.token,
    clock,
    retry: { baseDelayMs: 1, maxDelayMs: 8 },
    poll: { initialMs: 5, factor: 1.5, maxMs: 20 },
    random: () => 1,
    ...overrides,
  });
  return { client, clock };
}

/** A fresh ed25519 key as one OpenSSH line. */
export function newPublicKey(comment = "test@ccc"): string {
  const { publicKey } = generateKeyPairSync("ed25519");
  const x = publicKey.export({ format: "jwk" }).x;
  if (!x) throw new Error("no key material");
  const raw = Buffer.from(x, "base64url");
  const lengthPrefixed = (b: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(b.length, 0);
    return Buffer.concat([length, b]);
  };
  const blob = Buffer.concat([lengthPrefixed(Buffer.from("ssh-ed25519")), lengthPrefixed(raw)]);
  return `ssh-ed25519 ${blob.toString("base64")} ${comment}`;
}

export const serverInput = (name: string, labels: Record<string, string> = {}) => ({
  name,
  serverType: "cx23",
  image: "debian-12",
  location: "fsn1",
  sshKeys: [],
  labels,
});
