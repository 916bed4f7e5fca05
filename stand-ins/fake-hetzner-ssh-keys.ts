// SSH keys in the fake Hetzner API (see fake-hetzner.ts).
import { fingerprintOf, type Json, validLabels } from "./fake-hetzner-data.ts";
import { type FakeSshKey, invalidInput, now, type Reply, uniqueness } from "./fake-hetzner-resources.ts";
import type { FakeHetznerState } from "./fake-hetzner-state.ts";

export function listSshKeys(state: FakeHetznerState, query: URLSearchParams): Reply {
  const fingerprint = query.get("fingerprint");
  const name = query.get("name");
  const keys = [...state.sshKeys.values()].filter(
    (k) => (fingerprint === null || k.fingerprint === fingerprint) && (name === null || k.name === name),
  );
  return state.page("ssh_keys", keys, query);
}

export function createSshKey(state: FakeHetznerState, body: Json): Reply {
  const errors: Record<string, string> = {};
  if (typeof body.name !== "string" || body.name.trim() === "") errors.name = "is required";
  const fingerprint = typeof body.public_key === "string" ? fingerprintOf(body.public_key) : null;
  if (!fingerprint) errors.public_key = "invalid public key";
  if (body.labels !== undefined && !validLabels(body.labels)) errors.labels = "invalid labels";
  if (Object.keys(errors).length > 0) throw invalidInput(Object.keys(errors), errors);
  const keys = [...state.sshKeys.values()];
  if (keys.some((k) => k.fingerprint === fingerprint)) throw uniqueness("public_key");
  if (keys.some((k) => k.name === body.name)) throw uniqueness("name");
  const key = addSshKey(state, String(body.name), String(body.public_key), (body.labels as Json) ?? {});
  return { status: 201, body: { ssh_key: key } };
}

/** Stores a key as if another client had uploaded it. */
export function addSshKey(
  state: FakeHetznerState,
  name: string,
  publicKey: string,
  labels: Json = {},
): FakeSshKey {
  const fingerprint = fingerprintOf(publicKey);
  if (!fingerprint) throw new Error("fake: not an OpenSSH public key");
  const key = { id: state.id(), name, fingerprint, public_key: publicKey.trim(), labels, created: now() };
  state.sshKeys.set(key.id, key);
  return key;
}

/** A key by id (number or decimal string) or name, as `ssh_keys` in a server create names them. */
export function findSshKey(state: FakeHetznerState, ref: unknown): FakeSshKey | undefined {
  return [...state.sshKeys.values()].find((k) => k.id === ref || k.name === ref || String(k.id) === ref);
}
