// The real bot with its dashboard, over the usual fakes, and what web tests begin with: a sign-in
// link as Slack DMs it, and a tiny browser-like client (a cookie jar, no redirects followed).
import { expect } from "vitest";
import type { FakeSlack } from "../../stand-ins/fake-slack.ts";
import { type BotHarness, command } from "../bot/bot-harness.ts";

/** What CCC_PUBLIC_URL says in tests; requests go to the bot's real port (as behind a proxy). */
export const PUBLIC_URL = "http://ccc.test";

export const WEB_ENV = {
  CCC_PUBLIC_URL: PUBLIC_URL,
  SLACK_CLIENT_ID: "1234.5678",
  SLACK_CLIENT_SECRET: "oidc-secret",
};

export function baseOf(b: BotHarness): string {
  return `http://127.0.0.1:${b.running.port}`;
}

/** Moves a public address onto the bot's own port. */
export function local(b: BotHarness, url: string): string {
  const u = new URL(url);
  return `${baseOf(b)}${u.pathname}${u.search}`;
}

/** Types `/ccc web` as `user` and returns the link from the DM, pointed at the bot's port. */
export async function signInLink(b: BotHarness, user: string): Promise<string> {
  const before = dmLinks(b.slack).length;
  expect(await command(b, user, "web")).toContain("sent you a sign-in link in a DM");
  const links = await b.slack.waitFor(() => {
    const all = dmLinks(b.slack);
    return all.length > before ? all : null;
  });
  const link = links.at(-1) ?? "";
  expect(link.startsWith(`${PUBLIC_URL}/web/sign-in?token=`)).toBe(true);
  return local(b, link);
}

function dmLinks(slack: FakeSlack): string[] {
  return slack.messages().flatMap((m) => /https?:\/\/\S+?token=[\w-]+/.exec(m.text)?.[0] ?? []);
}

/** A client that keeps cookies and shows each answer as it is (redirects not followed). */
export class WebClient {
  readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  async get(path: string): Promise<WebAnswer> {
    return this.send("GET", path);
  }

  async post(path: string, fields: Record<string, string>): Promise<WebAnswer> {
    return this.send("POST", path, new URLSearchParams(fields).toString());
  }

  async send(
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<WebAnswer> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await fetch(path.startsWith("http") ? path : `${this.base}${path}`, {
      method,
      redirect: "manual",
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(body !== undefined ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (value === "" || /Max-Age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  /** Follows a sign-in link the way the page does: open it, press Continue. */
  async signIn(link: string): Promise<WebAnswer> {
    const landing = await this.get(link);
    expect(landing.status).toBe(200);
    const token = /name="token" value="([^"]+)"/.exec(landing.text)?.[1] ?? "";
    return this.post("/web/sign-in", { token });
  }

  /** The CSRF token in the dashboard's forms. */
  async csrf(): Promise<string> {
    const page = await this.get("/");
    return /name="csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? "";
  }
}

export interface WebAnswer {
  status: number;
  headers: Headers;
  text: string;
}
