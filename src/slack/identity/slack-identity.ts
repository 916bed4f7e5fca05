import type { Clock } from "../../core/clock.ts";

/** What `users.info` says about a person, as far as who may use ccc goes. */
export interface SlackUserInfo {
  /** The workspace the person belongs to; null when Slack does not say. */
  teamId: string | null;
  /** A single- or multi-channel guest (`is_ultra_restricted` / `is_restricted`). */
  guest: boolean;
  deleted: boolean;
}

/** Who a request comes from, as the request itself says. */
export interface Requester {
  userId: string;
  teamId: string | null;
  enterpriseId: string | null;
}

export type RefusalReason = "other_workspace" | "guest" | "deactivated" | "lookup_failed";

export type Verdict = { ok: true } | { ok: false; reason: RefusalReason; message: string };

export interface IdentityOptions {
  /** The one workspace (or Enterprise Grid org) whose members may use ccc. */
  teamId: string;
  allowGuests: boolean;
  /** CCC_ADMINS: admin only while Slack also says they are a member (see `isAdmin`). */
  admins: ReadonlySet<string>;
  lookup(userId: string): Promise<SlackUserInfo>;
  clock: Clock;
  /** How long a `users.info` answer is trusted (default 10 minutes): a person made guest loses access by then. */
  ttlMs?: number;
}

const DEFAULT_TTL_MS = 10 * 60_000;

/**
 * The one place that decides who a Slack request may act as: a member of the configured workspace,
 * not a guest (unless allowed), not deactivated. `users.info` answers are cached with a TTL so only
 * a person's first request in a while waits for Slack; two requests at once share one lookup.
 */
export class SlackIdentity {
  private readonly known = new Map<string, { info: SlackUserInfo; at: number }>();
  private readonly inflight = new Map<string, Promise<SlackUserInfo>>();

  constructor(private readonly options: IdentityOptions) {}

  get teamId(): string {
    return this.options.teamId;
  }

  async check(requester: Requester): Promise<Verdict> {
    const { teamId } = this.options;
    if (requester.teamId !== teamId && requester.enterpriseId !== teamId) {
      return refuse(
        "other_workspace",
        "ccc serves only its own Slack workspace; this request came from another.",
      );
    }
    let info: SlackUserInfo;
    try {
      info = await this.info(requester.userId);
    } catch {
      return refuse(
        "lookup_failed",
        "ccc could not check your Slack account just now; try again in a moment.",
      );
    }
    if (info.teamId !== null && info.teamId !== teamId && requester.enterpriseId !== teamId) {
      return refuse("other_workspace", "ccc serves only members of its own Slack workspace.");
    }
    if (info.deleted) return refuse("deactivated", "Your Slack account is deactivated.");
    if (info.guest && !this.options.allowGuests) {
      return refuse(
        "guest",
        "Guests of this Slack workspace cannot use ccc; ask an admin if you need a machine.",
      );
    }
    return { ok: true };
  }

  /**
   * In CCC_ADMINS and, as far as Slack last said, a member: a guest or a deactivated account listed
   * there is no admin. Every request has passed `check` first, so Slack's answer is at hand.
   */
  isAdmin(userId: string): boolean {
    if (!this.options.admins.has(userId)) return false;
    const info = this.known.get(userId)?.info;
    return info !== undefined && !info.guest && !info.deleted;
  }

  private async info(userId: string): Promise<SlackUserInfo> {
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
