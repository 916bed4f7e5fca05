// "Sign in with Slack" on the fake Slack: the authorize page, `openid.connect.token` and
// `openid.connect.userInfo`, strict about every parameter. Whoever `signInAs` names is who "logs in"
// at the authorize page; each code and access token works once.
import { randomBytes } from "node:crypto";
import type { FakeSlack } from "./fake-slack.ts";

export interface FakeOidc {
  clientId: string;
  clientSecret: string;
  /** Who the next visit to the authorize page signs in, and in which workspace. */
  signInAs(user: string, team?: string): void;
  /** Refuses the next authorize visit as a person pressing Cancel would (`error=access_denied`). */
  cancelNext(): void;
  /** What went wrong so far (a parameter ccc got wrong): must stay empty. */
  problems: string[];
}

interface Grant {
  user: string;
  team: string;
  nonce: string;
  redirectUri: string;
}

export function addFakeOidc(
  slack: FakeSlack,
  clientId = "1234.5678",
  clientSecret = "oidc-secret",
): FakeOidc {
  const problems: string[] = [];
  const codes = new Map<string, Grant>();
  const tokens = new Map<string, Grant>();
  let who = { user: "U0ALICE", team: "T0FAKE" };
  let cancel = false;
  const expect = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
    return ok;
  };

  slack.page("/openid/connect/authorize", (q) => {
    const redirectUri = q.get("redirect_uri") ?? "";
    const fine =
      expect(q.get("response_type") === "code", "authorize: response_type is not code") &&
      expect((q.get("scope") ?? "").split(" ").includes("openid"), "authorize: scope lacks openid") &&
      expect(q.get("client_id") === clientId, "authorize: wrong client_id") &&
      expect(Boolean(q.get("state")), "authorize: no state") &&
      expect(Boolean(q.get("nonce")), "authorize: no nonce") &&
      expect(/^https?:\/\//.test(redirectUri), "authorize: no redirect_uri");
    if (!fine) return { status: 400, body: "bad authorize request" };
    const back = new URL(redirectUri);
    back.searchParams.set("state", q.get("state") ?? "");
    if (cancel) {
      cancel = false;
      back.searchParams.set("error", "access_denied");
    } else {
      const code = randomBytes(12).toString("hex");
      codes.set(code, { ...who, nonce: q.get("nonce") ?? "", redirectUri });
      back.searchParams.set("code", code);
    }
    return { status: 302, headers: { location: back.toString() } };
  });

  slack.route("openid.connect.token", ({ body }) => {
    const grant = codes.get(String(body.code));
    codes.delete(String(body.code));
    const fine =
      expect(body.client_id === clientId && body.client_secret === clientSecret, "token: wrong client") &&
      expect(grant !== undefined, "token: unknown or reused code") &&
      expect(body.redirect_uri === grant?.redirectUri, "token: redirect_uri differs from authorize");
    if (!fine || !grant) return { status: 200, body: { ok: false, error: "invalid_code" } };
    const access = `xoxp-${randomBytes(12).toString("hex")}`;
    tokens.set(access, grant);
    const claims = {
      iss: "https://slack.com",
      sub: grant.user,
      aud: clientId,
      exp: Math.floor(Date.now() / 1000) + 3600,
      iat: Math.floor(Date.now() / 1000),
      nonce: grant.nonce,
      "https://slack.com/user_id": grant.user,
      "https://slack.com/team_id": grant.team,
    };
    const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const idToken = `${part({ alg: "RS256", typ: "JWT" })}.${part(claims)}.c2lnbmF0dXJl`;
    return { status: 200, body: { ok: true, access_token: access, token_type: "Bearer", id_token: idToken } };
  });

  slack.route("openid.connect.userInfo", ({ headers }) => {
    const access = (headers.authorization ?? "").replace(/^Bearer /, "");
    const grant = tokens.get(access);
    if (!expect(grant !== undefined, "userInfo: unknown access token") || !grant) {
      return { status: 200, body: { ok: false, error: "invalid_auth" } };
    }
    return {
      status: 200,
      body: {
        ok: true,
        sub: grant.user,
        "https://slack.com/user_id": grant.user,
        "https://slack.com/team_id": grant.team,
        name: `user-${grant.user}`,
      },
    };
  });

  return {
    clientId,
    clientSecret,
    signInAs: (user, team = "T0FAKE") => {
      who = { user, team };
    },
    cancelNext: () => {
      cancel = true;
    },
    problems,
  };
}
