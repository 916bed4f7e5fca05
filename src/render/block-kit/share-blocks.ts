import type { Instance } from "../../core/instances/instance.ts";
import { guestGrants, personMrkdwn } from "../access.ts";
import { sshCommand } from "../text.ts";
import { inTime } from "../time.ts";
import { hostKeyNote } from "./instance-blocks.ts";
import { dateToken, plain, type SlackMessage, section } from "./mrkdwn.ts";

/** The button in a "set your key" DM; it opens the key form. */
export const SET_KEY_ACTION = "ccc_set_key";

/** To a guest: who let them in, how to log in, the host key to trust, and when the machine goes. */
export function sharedMessage(
  i: Instance,
  by: string,
  now: Date,
  login = "claude",
  sshPort?: number,
): SlackMessage {
  const ssh = sshCommand(i, sshPort)?.replace("claude@", `${login}@`) ?? null;
  return {
    text: `${by} let you into ${i.id}${ssh ? `: ${ssh}` : ""}`,
    blocks: [
      section(
        `:key: ${personMrkdwn(by)} let you into *${i.id}*${ssh ? `: \`${ssh}\`` : ""}. It is theirs: you can log in, but not extend or delete it. It goes ${dateToken(i.expiresAt)} (${inTime(i.expiresAt, now)}). ${guestGrants(login === "claude", "you", login)}`,
      ),
      ...hostKeyNote(i, sshPort),
    ],
  };
}

/** To a guest without a key on record: a button to set one, after which the share completes. */
export function keyNeededMessage(i: Instance, by: string): SlackMessage {
  return {
    text: `${by} wants to let you into ${i.id}, but ccc has no SSH key of yours. Set one with /ccc key.`,
    blocks: [
      section(
        `:key: ${personMrkdwn(by)} wants to let you into *${i.id}*, but ccc has no SSH public key of yours. Set one and you are let in at once.`,
      ),
      {
        type: "actions",
        block_id: `set_key:${i.id}`,
        elements: [
          {
            type: "button",
            action_id: SET_KEY_ACTION,
            text: plain("Set my SSH key"),
            value: i.id,
            style: "primary",
          },
        ],
      },
    ],
  };
}
