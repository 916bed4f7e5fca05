import type { Clock } from "../ports/clock.ts";

/** What Slack's `users.info` says about a person, as far as who may use ccc goes. */
export interface SlackUserInfo {
  /** The workspace the person belongs to; null when Slack does not say. */
  teamId: string | null;
  /** Their Enterprise Grid org, when the workspace is in one. */
  enterpriseId?: string | null;
  /** A single- or multi-channel guest (`is_ultra_restricted` / `is_restricted`). */
  guest: boolean;
  deleted: boolean;
  /** How Slack shows the person (display name, else real name, else handle); absent when Slack gives none. */
  name?: string | null;
}

/**
 * A Slack user id's form (`U…`, or `W…` on Enterprise Grid), for the patterns built around it (a mention
 * `<@U…>`, a typed `@U…`): the one place that says what a member id looks like.
 */
export const SLACK_USER_ID_FORM = "[UW][A-Z0-9]{2,}";

/** A Slack user id (`U…`, or `W…` on Enterprise Grid); an operator's name is none. */
export const SLACK_USER_ID = new RegExp(`^${SLACK_USER_ID_FORM}$`);

/** True for a Slack user id; false for an operator's name (or anything else). */
export function isSlackUserId(text: string): boolean {
  return SLACK_USER_ID.test(text);
}

/**
 * The way a request came in. `slack` (a signed request) and `oidc` (Sign in with Slack) name a
 * workspace of their own, which must be ours; a sign-in `link`, a dashboard `session` and an API
 * `token` carry only the person, and Slack's record of them decides alone.
 */
export type Door = "slack" | "oidc" | "link" | "session" | "token";

/** Who a request comes from, as the request itself says. */
export interface Requester {
  userId: string;
  door: Door;
  /** The workspace the request names (`slack` and `oidc` only). */
  teamId: string | null;
  enterpriseId: string | null;
}

export type RefusalReason = "other_workspace" | "not_member" | "guest" | "deactivated" | "lookup_failed";

/** Let in (and whether as an admin), or refused with a message safe to show the person. */
export type Verdict = { ok: true; isAdmin: boolean } | { ok: false; reason: RefusalReason; message: string };

export interface IdentityOptions {
  /** The one workspace (or Enterprise Grid org) whose members may use ccc. */
  teamId: string;
  allowGuests: boolean;
  /** CCC_ADMINS: admin only while Slack also says they may use ccc (see `check`). */
  admins: ReadonlySet<string>;
  /** Slack's record of a person (`users.info`); null when Slack knows no such user. */
  lookup(userId: string): Promise<SlackUserInfo | null>;
  clock: Clock;
  /** How long a `users.info` answer is trusted (default 10 minutes): a person made guest loses access by then. */
  ttlMs?: number;
  /**
   * Told when Slack's record refuses a person (deactivated, a guest, gone, in another workspace), at
   * whichever door: the dashboard ends their sessions there and then.
   */
  onRefused?: (userId: string, reason: RefusalReason) => void;
}

const DEFAULT_TTL_MS = 10 * 60_000;

/** The answer when Slack could not be asked (or a door stopped waiting for it): refused, try again. */
export const LOOKUP_FAILED: Verdict = {
  ok: false,
  reason: "lookup_failed",
  message: "ccc could not check your Slack account just now; try again in a moment.",
};

/**
 * The one place that decides who may act in ccc, at every door (Slack, the dashboard's sign-in and
 * sessions, API tokens): a member of the configured workspace, not a guest (unless allowed), not
 * deactivated; and who of them is an admin (listed in CCC_ADMINS and let in). `users.info` answers
 * are cached with a TTL so only a person's first request in a while waits for Slack; two requests at
 * once share one lookup.
 */
export class Identity {
  private readonly known = new Map<string, { info: SlackUserInfo | null; at: number }>();
  private readonly inflight = new Map<string, Promise<SlackUserInfo | null>>();

  constructor(private readonly options: IdentityOptions) {}

  get teamId(): string {
    return this.options.teamId;
  }

  async check(requester: Requester): Promise<Verdict> {
    const { teamId } = this.options;
    const claims = requester.door === "slack" || requester.door === "oidc";
    if (claims && requester.teamId !== teamId && requester.enterpriseId !== teamId) {
      return refuse(
        "other_workspace",
        requester.door === "oidc"
          ? "That Slack account is not in this ccc's workspace."
          : "ccc serves only its own Slack workspace; this request came from another.",
      );
    }
    if (!SLACK_USER_ID.test(requester.userId)) {
      return this.refused(requester.userId, "not_member", "ccc serves only members of its Slack workspace.");
    }
    let info: SlackUserInfo | null;
    try {
      info = await this.info(requester.userId);
    } catch {
      return LOOKUP_FAILED;
    }
    const refusal = this.refusalOf(info, claims ? requester.enterpriseId : null);
    if (refusal) return this.refused(requester.userId, refusal.reason, refusal.message);
    return { ok: true, isAdmin: info !== null && this.adminRule(requester.userId, info) };
  }

  /**
   * The admin rule of `check`, from the answer it last cached. For a door that has just passed
   * `check` (Slack's listeners build their actor with it).
   */
  isAdmin(userId: string): boolean {
    const cached = this.known.get(userId);
    return (
      cached?.info != null &&
      this.refusalOf(cached.info, null) === null &&
      this.adminRule(userId, cached.info)
    );
  }

  /** Listed in CCC_ADMINS and a full member: a guest let in by CCC_ALLOW_GUESTS is no admin. */
  private adminRule(userId: string, info: SlackUserInfo): boolean {
    return this.options.admins.has(userId) && !info.guest;
  }

  /** Why Slack's record keeps the person out; null when it lets them in. */
  private refusalOf(
    info: SlackUserInfo | null,
    claimedOrg: string | null,
  ): { reason: RefusalReason; message: string } | null {
    const { teamId } = this.options;
    if (info === null) {
      return { reason: "not_member", message: "ccc serves only members of its Slack workspace." };
    }
    const inOrg = claimedOrg === teamId || info.enterpriseId === teamId;
    if (info.teamId !== null && info.teamId !== teamId && !inOrg) {
      return { reason: "other_workspace", message: "ccc serves only members of its own Slack workspace." };
    }
    if (info.deleted) return { reason: "deactivated", message: "Your Slack account is deactivated." };
    if (info.guest && !this.options.allowGuests) {
      return {
        reason: "guest",
        message: "Guests of this Slack workspace cannot use ccc; ask an admin if you need a machine.",
      };
    }
    return null;
  }

  private refused(userId: string, reason: RefusalReason, message: string): Verdict {
    this.options.onRefused?.(userId, reason);
    return refuse(reason, message);
  }

  /**
   * The person's name as Slack shows it, for showing people instead of `U…` ids; the id itself for
   * an operator's name, someone Slack does not know, or when Slack does not answer in time.
   */
  async nameOf(userId: string, waitMs = 2_000): Promise<string> {
    if (!SLACK_USER_ID.test(userId)) return userId;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), waitMs);
    });
    try {
      const info = await Promise.race([this.info(userId).catch(() => null), late]);
      return info?.name || userId;
    } finally {
      clearTimeout(timer);
    }
  }

  private async info(userId: string): Promise<SlackUserInfo | null> {
    const now = this.options.clock.now().getTime();
    const cached = this.known.get(userId);
    if (cached && now - cached.at < (this.options.ttlMs ?? DEFAULT_TTL_MS)) return cached.info;
    let pending = this.inflight.get(userId);
    if (!pending) {
      pending = this.options.lookup(userId).finally(() => this.inflight.delete(userId));
      this.inflight.set(userId, pending);
    }
    const info = await pending;
    this.known.set(userId, { info, at: this.options.clock.now().getTime() });
    return info;
  }
}

function refuse(reason: RefusalReason, message: string): Verdict {
  return { ok: false, reason, message };
}
