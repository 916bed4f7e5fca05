import type { ServerResponse } from "node:http";
import { chooseEncoding, compressBody } from "./compress.ts";
import type { Html } from "./html.ts";

/** Nothing but our own files: no inline script or style, no framing, forms and fetches (a task's transcript) only back to us. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'";

/**
 * Sent with every dashboard answer. `same-origin` keeps a sign-in token in a URL from leaking to other
 * sites, yet lets the browser name our origin on our own form posts (`no-referrer` would make it "null").
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
};

/**
 * A page that belongs to one person (or to nobody yet): never stored by a browser or a proxy; brotli or
 * gzip when the browser takes it.
 */
export function sendPage(
  res: ServerResponse,
  status: number,
  page: Html,
  headers: Record<string, string | string[]> = {},
): void {
  const body = Buffer.from(page.value, "utf8");
  const encoding = chooseEncoding(res.req);
  const packed = encoding ? compressBody(body, encoding, "fast") : null;
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    vary: "accept-encoding",
    ...(packed && encoding ? { "content-encoding": encoding } : {}),
    "content-length": String((packed ?? body).length),
    ...headers,
  });
  res.end(packed ?? body);
}

/** 303: after a POST the browser GETs the next page, so a reload never posts again. */
export function redirect(res: ServerResponse, location: string, cookies: string[] = []): void {
  res.writeHead(303, {
    ...SECURITY_HEADERS,
    location,
    "cache-control": "no-store",
    ...(cookies.length > 0 ? { "set-cookie": cookies } : {}),
  });
  res.end();
}
