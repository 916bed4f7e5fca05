import { readFileSync } from "node:fs";
import { type Config, fromRoot } from "../config.ts";
import { type CheckResult, fail, ok, probe, warn } from "./check.ts";

export interface NetworkOptions {
  fetch: typeof fetch;
  /** Each request's deadline. */
  timeoutMs: number;
}

/**
 * The Hetzner token reads (GET /locations) and writes. Whether it may write is asked without
 * creating anything: an SSH key with a public key that cannot be valid. A Read & Write token gets
 * 422 `invalid_input` (validation), a read-only one 403 `forbidden` (permission, checked first).
 */
export async function hetznerCheck(config: Config, options: NetworkOptions): Promise<CheckResult> {
  const { token, endpoint } = config.hetzner;
  if (!token) return fail("hetzner", "HCLOUD_TOKEN is not set");
  const base = endpoint.replace(/\/+$/, "");
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const read = await probe(
    options.fetch,
    `${base}/locations?name=${encodeURIComponent(config.policy.defaultLocation)}`,
    { headers },
    options.timeoutMs,
  );
  if ("error" in read) return fail("hetzner", `${base} cannot be reached: ${read.error}`);
  if (read.status === 401)
    return fail("hetzner", "Hetzner refuses HCLOUD_TOKEN (401 unauthorized): make a new API token");
  if (read.status !== 200)
    return fail("hetzner", `reading answered HTTP ${read.status} ${errorCode(read.json)}`.trim());
  const write = await probe(
    options.fetch,
    `${base}/ssh_keys`,
    { method: "POST", headers, body: JSON.stringify({ name: "ccc-doctor-probe", public_key: "not-a-key" }) },
    options.timeoutMs,
  );
  if ("error" in write) return fail("hetzner", `the write probe got no answer: ${write.error}`);
  const code = errorCode(write.json);
  if (write.status === 403 && code === "forbidden") {
    return fail(
      "hetzner",
      "HCLOUD_TOKEN is read-only: ccc creates and deletes servers, so make a Read & Write token",
    );
  }
  if (write.status === 422 || code === "invalid_input")
    return ok("hetzner", "the token reads and writes (Read & Write)");
  return warn(
    "hetzner",
    `the token reads; whether it writes is unclear (the probe answered HTTP ${write.status} ${code})`.trim(),
  );
}

/** The default type exists and is offered in the default location. */
export async function catalogCheck(config: Config, options: NetworkOptions): Promise<CheckResult> {
  const { token, endpoint } = config.hetzner;
  const { defaultServerType: type, defaultLocation: location } = config.policy;
  if (!token) return fail("catalog", "cannot be checked without HCLOUD_TOKEN");
  const base = endpoint.replace(/\/+$/, "");
  const headers = { authorization: `Bearer ${token}` };
  const [types, locations] = await Promise.all([
    probe(
      options.fetch,
      `${base}/server_types?name=${encodeURIComponent(type)}`,
      { headers },
      options.timeoutMs,
    ),
    probe(
      options.fetch,
      `${base}/locations?name=${encodeURIComponent(location)}`,
      { headers },
      options.timeoutMs,
    ),
  ]);
  if ("error" in types || "error" in locations || types.status !== 200 || locations.status !== 200) {
    return fail("catalog", "Hetzner's server types and locations could not be read");
  }
  const found = (types.json as { server_types?: { name: string; prices?: { location: string }[] }[] })
    .server_types?.[0];
  const place = (locations.json as { locations?: { name: string }[] }).locations?.[0];
  if (!found) return fail("catalog", `CCC_DEFAULT_SERVER_TYPE ${type} is not a Hetzner server type`);
  if (!place) return fail("catalog", `CCC_DEFAULT_LOCATION ${location} is not a Hetzner location`);
  if (!(found.prices ?? []).some((p) => p.location === location)) {
    return fail(
      "catalog",
      `${type} is not offered in ${location}: change CCC_DEFAULT_SERVER_TYPE or CCC_DEFAULT_LOCATION`,
    );
  }
  return ok("catalog", `${type} is offered in ${location}`);
}

/** The bot scopes manifest.yml asks for (`oauth_config.scopes.bot`). */
export function manifestScopes(path = fromRoot("manifest.yml")): string[] {
  const text = readFileSync(path, "utf8");
  const block = /\n\s*bot:\s*\n((?:\s+-\s+[^\n]+\n)+)/.exec(text)?.[1] ?? "";
  return [...block.matchAll(/-\s+([a-z:._]+)/g)].map((m) => m[1] as string);
}

/** The bot token works (`auth.test`) and holds every scope manifest.yml asks for. */
export async function slackCheck(
  config: Config,
  options: NetworkOptions & { required: boolean },
): Promise<CheckResult> {
  const { botToken, appToken, signingSecret } = config.slack;
  if (!botToken) {
    const say = "SLACK_BOT_TOKEN is not set: the Slack bot cannot start (the CLI works without it)";
    return options.required ? fail("slack", say) : warn("slack", say);
  }
  const base = (config.slack.apiUrl ?? "https://slack.com/api/").replace(/\/?$/, "/");
  const answer = await probe(
    options.fetch,
    `${base}auth.test`,
    { method: "POST", headers: { authorization: `Bearer ${botToken}` } },
    options.timeoutMs,
  );
  if ("error" in answer) return fail("slack", `Slack cannot be reached: ${answer.error}`);
  const body = answer.json as { ok?: boolean; error?: string; team?: string } | null;
  if (!body?.ok)
    return fail("slack", `auth.test refuses SLACK_BOT_TOKEN: ${body?.error ?? `HTTP ${answer.status}`}`);
  const granted = (answer.headers.get("x-oauth-scopes") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const missing = manifestScopes().filter((s) => !granted.includes(s));
  if (missing.length > 0) {
    return fail(
      "slack",
      `the bot token lacks scope${missing.length === 1 ? "" : "s"} ${missing.join(", ")} (manifest.yml asks for them): reinstall the app`,
    );
  }
  if (!appToken && !signingSecret)
    return warn("slack", "the bot token works, but neither SLACK_APP_TOKEN nor SLACK_SIGNING_SECRET is set");
  return ok(
    "slack",
    `the bot token works for ${body.team ?? "the workspace"} with every scope manifest.yml asks for`,
  );
}

/** People reach the bot at CCC_PUBLIC_URL: its /healthz answers. */
export async function publicUrlCheck(config: Config, options: NetworkOptions): Promise<CheckResult> {
  const { publicUrl } = config.web;
  if (!publicUrl) return warn("public-url", "CCC_PUBLIC_URL is not set: no dashboard sign-in links");
  const url = new URL("healthz", publicUrl.endsWith("/") ? publicUrl : `${publicUrl}/`).toString();
  const answer = await probe(options.fetch, url, {}, options.timeoutMs);
  if ("error" in answer) return fail("public-url", `${url} cannot be reached: ${answer.error}`);
  if (answer.status !== 200) return fail("public-url", `${url} answered HTTP ${answer.status}`);
  return ok("public-url", `${url} answers`);
}

function errorCode(json: unknown): string {
  return (json as { error?: { code?: string } } | null)?.error?.code ?? "";
}
