import type { types } from "@slack/bolt";
import { plain } from "./mrkdwn.ts";

export const KEY_CALLBACK = "ccc_key";
/** The block id matches the key's UserError field, so a refusal lands on the input. */
export const KEY_FIELD = "sshKey";

/** The form to set or replace your SSH key, prefilled with the one ccc has for you. */
export function keyModal(currentKey: string | null): types.ModalView {
  return {
    type: "modal",
    callback_id: KEY_CALLBACK,
    title: plain("Your SSH key"),
    submit: plain("Save"),
    close: plain("Cancel"),
    blocks: [
      {
        type: "input",
        block_id: KEY_FIELD,
        label: plain("SSH public key"),
        hint: plain(
          "Used for your next machine and whenever someone shares one with you. The contents of your .pub file; never a private key.",
        ),
        element: {
          type: "plain_text_input",
          action_id: "ssh_key",
          multiline: true,
          placeholder: plain("ssh-ed25519 AAAA… you@laptop"),
          ...(currentKey ? { initial_value: currentKey } : {}),
        },
      },
    ],
  };
}

type StateValues = Record<string, Record<string, { value?: string | null }>>;

/** The key as entered. */
export function readKeyState(values: StateValues): string {
  return Object.values(values[KEY_FIELD] ?? {})[0]?.value ?? "";
}
