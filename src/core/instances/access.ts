import type { Store } from "../store/store.ts";
import type { Instance } from "./instance.ts";

/** One person who may log in to a machine. */
export interface Access {
  who: string;
  role: "owner" | "guest";
}

/**
 * Every key a machine should accept: the owner's, then each guest's, once each. The one list the
 * machine is sent, so what `share` counts is what lands in authorized_keys.
 */
export function authorizedKeysOf(store: Store, instance: Instance): string[] {
  const guests = store.guests.list(instance.id).map((g) => g.sshKey);
  return [...new Set([...instance.sshKeys, ...guests])];
}

/** Who may log in: the owner first, then the guests in the order they were let in. */
export function accessOf(store: Store, instance: Instance): Access[] {
  return [
    { who: instance.owner, role: "owner" },
    ...store.guests.list(instance.id).map((g) => ({ who: g.guest, role: "guest" as const })),
  ];
}
