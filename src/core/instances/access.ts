import type { Store } from "../store/store.ts";
import type { Instance } from "./instance.ts";

/** One person who may log in to a machine; a guest without sudo names the account they log in to. */
export interface Access {
  who: string;
  role: "owner" | "guest";
  /** Guests only: true when they log in as claude (root through sudo); false with an account of their own. */
  sudo?: boolean;
  /** The user name they log in as. */
  login?: string;
}

/** The accounts a guest shared without sudo logs in to, one each; the NixOS module makes them. */
export const GUEST_ACCOUNTS = [1, 2, 3, 4, 5, 6, 7].map((n) => `ccc-guest-${n}`);

/** A guest account and the one key that logs in to it, as the machine is sent them. */
export interface GuestAccountKeys {
  account: string;
  authorizedKeys: string[];
}

/**
 * The keys that log in as claude: the owner's, then each guest's with sudo, once each. What the
 * machine is sent as its authorizedKeys.
 */
export function authorizedKeysOf(store: Store, instance: Instance): string[] {
  const guests = store.guests
    .list(instance.id)
    .filter((g) => g.account === null)
    .map((g) => g.sshKey);
  return [...new Set([...instance.sshKeys, ...guests])];
}

/** The guests without sudo, each with their own account: what the machine is sent as guestAccounts. */
export function guestAccountsOf(store: Store, instance: Instance): GuestAccountKeys[] {
  return store.guests
    .list(instance.id)
    .flatMap((g) => (g.account === null ? [] : [{ account: g.account, authorizedKeys: [g.sshKey] }]));
}

/** Every key the machine accepts, on any account: what the per-machine limit counts. */
export function allKeysOf(store: Store, instance: Instance): string[] {
  return [
    ...authorizedKeysOf(store, instance),
    ...guestAccountsOf(store, instance).flatMap((g) => g.authorizedKeys),
  ];
}

/** Who may log in: the owner first, then the guests in the order they were let in. */
export function accessOf(store: Store, instance: Instance): Access[] {
  return [
    { who: instance.owner, role: "owner" },
    ...store.guests.list(instance.id).map((g) => ({
      who: g.guest,
      role: "guest" as const,
      sudo: g.account === null,
      login: g.account ?? "claude",
    })),
  ];
}
