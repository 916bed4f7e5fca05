import * as z from "zod";
import { UserError } from "../core/errors.ts";
import { SLACK_USER_ID } from "../core/identity/identity.ts";
import { createSignInLink } from "../core/identity/sign-in.ts";
import { onlyAdminsMay } from "../core/instances/actor.ts";
import { parseOwner } from "../core/instances/owner.ts";
import type { Delivery } from "../core/ports/notifier.ts";
import { section } from "../render/block-kit/mrkdwn.ts";
import { formatUtc } from "../render/time.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { checked } from "./input.ts";

/** Without a user: a link for the asker; an admin (the operator) may make one for someone else. */
export const webInput = z.object({ user: checked(z.string(), parseOwner).optional() });

export interface WebLink {
  user: string;
  url: string;
  expiresAt: Date;
  /** Whether the DM with the link went out. */
  delivery: Delivery;
}

async function run(ctx: CommandContext, input: z.output<typeof webInput>): Promise<WebLink> {
  const user = input.user ?? ctx.actor.id;
  onlyAdminsMay(ctx.actor, "make a sign-in link for someone else", user);
  if (!SLACK_USER_ID.test(user)) {
    // The dashboard lets in only people Slack says are members: a link for anyone else could never work.
    throw new UserError(
      `The dashboard is for members of the Slack workspace: name one by their Slack user id (--user U012AB3CD), not "${user}".`,
      { field: "user" },
    );
  }
  const publicUrl = ctx.deps.publicUrl;
  if (!publicUrl) {
    throw new UserError("The web dashboard is not set up: the operator has to set CCC_PUBLIC_URL.", {
      code: "not_configured",
    });
  }
  const { url, expiresAt } = createSignInLink(ctx.deps, user, publicUrl);
  const delivery = await ctx.deps.notifier.notify({ kind: "sign_in_link", user, url, expiresAt });
  return { user, url, expiresAt, delivery };
}

export const webCommand = defineCommand({
  name: "web",
  aliases: ["dashboard"],
  summary: "a one-time link (10 minutes) that signs you in to the web dashboard",
  input: webInput,
  audience: "self",
  run,
  // The terminal is the operator's own: it shows the link to hand over.
  text: (link) =>
    `Sign-in link for ${link.user}, valid once until ${formatUtc(link.expiresAt)}:\n${link.url}`,
  json: (link) => ({ user: link.user, url: link.url, expiresAt: link.expiresAt.toISOString() }),
  // In Slack the link travels only in the DM; if that failed, the answer is private to the asker too.
  blocks: (link) => {
    const text =
      link.delivery === "sent"
        ? "I sent you a sign-in link in a DM. It works once, for 10 minutes."
        : `Your sign-in link (works once, for 10 minutes; do not share it): ${link.url}`;
    return { text, blocks: [section(text)] };
  },
  doors: {
    cli: {
      options: [{ flags: "--user <name>", description: "who the link signs in (default: you)" }],
      needs: {},
      examples: ["ccc web --user U012AB3CD"],
      input: ({ options }) => ({ user: options.user }),
    },
    slack: {
      usage: "web",
      help: "a sign-in link for the web dashboard, by DM",
      input: () => ({}),
    },
  },
});
