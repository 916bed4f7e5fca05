import sshpk from "sshpk";
import { afterEach, describe, expect, it } from "vitest";
import { hetznerFingerprint } from "../../src/adapters/hetzner/ssh-fingerprint.ts";
import { type FakeHetzner, startFakeHetzner } from "../../stand-ins/fake-hetzner.ts";
import { clientFor, newPublicKey } from "./helpers.ts";

let fake: FakeHetzner;
afterEach(() => fake?.close());

describe("hetznerFingerprint", () => {
  it("is the colon-separated MD5 of the key blob, as OpenSSH prints it", () => {
    const key = newPublicKey("alice@laptop");
    const expected = sshpk.parseKey(key, "ssh").fingerprint("md5").toString("hex");

    expect(hetznerFingerprint(key)).toBe(expected);
    expect(hetznerFingerprint(`  ${key.replace("alice@laptop", "")}\n`)).toBe(expected);
  });

  it("refuses something that is not a public key", () => {
    expect(() => hetznerFingerprint("not a key at all!")).toThrow(/OpenSSH public key/);
    const key = newPublicKey();
    expect(() => hetznerFingerprint(key.replace("ssh-ed25519", "ssh-rsa"))).toThrow(/OpenSSH public key/);
  });
});

describe("HetznerClient.ensureSshKey", () => {
  it("uploads a new key once and finds it by fingerprint afterwards", async () => {
    fake = await startFakeHetzner();
    const { client } = clientFor(fake);
    const key = newPublicKey();

    const first = await client.ensureSshKey("ccc-alice", key);
    const second = await client.ensureSshKey("ccc-alice", key);

    expect(second).toEqual(first);
    expect(first.fingerprint).toBe(hetznerFingerprint(key));
    expect(fake.sshKeys()).toHaveLength(1);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /ssh_keys",
      "POST /ssh_keys",
      "GET /ssh_keys",
    ]);
    expect(fake.requests[0]?.query).toEqual({ fingerprint: first.fingerprint });
    expect(fake.requests[1]?.body).toEqual({ name: "ccc-alice", public_key: key });
  });

  it("returns the key someone else uploaded between our lookup and our upload", async () => {
    fake = await startFakeHetzner();
    const key = newPublicKey();
    let raced: { id: number } | undefined;
    // Another ccc process wins the race exactly when our POST is on its way.
    const racingFetch: typeof fetch = (input, init) => {
      if (init?.method === "POST" && !raced) raced = fake.addSshKey("other-name", key);
      return fetch(input, init);
    };
    const { client } = clientFor(fake, { fetch: racingFetch });

    const result = await client.ensureSshKey("ccc-bob", key);

    expect(result.id).toBe(raced?.id);
    expect(fake.sshKeys()).toHaveLength(1);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /ssh_keys",
      "POST /ssh_keys",
      "GET /ssh_keys",
    ]);
  });

  it("fails when the name is taken by a different key", async () => {
    fake = await startFakeHetzner();
    fake.addSshKey("ccc-carol", newPublicKey());
    const { client } = clientFor(fake);

    await expect(client.ensureSshKey("ccc-carol", newPublicKey())).rejects.toMatchObject({
      code: "uniqueness_error",
      status: 409,
    });
  });
});
