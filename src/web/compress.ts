import type { IncomingMessage } from "node:http";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

export type Encoding = "br" | "gzip";

/** Below this, compressing saves less than its headers cost. */
const MIN_BYTES = 512;

/**
 * The encoding to answer `req` with: brotli, then gzip, as the client's Accept-Encoding allows
 * (`q=0` refuses one); none when it names neither.
 */
export function chooseEncoding(req: IncomingMessage | undefined): Encoding | null {
  const header = req?.headers["accept-encoding"];
  if (!header) return null;
  const accepted = new Map<string, number>();
  for (const part of String(header).split(",")) {
    const [name = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    accepted.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const wants = (name: string) => (accepted.get(name) ?? accepted.get("*") ?? 0) > 0;
  if (wants("br")) return "br";
  if (wants("gzip")) return "gzip";
  return null;
}

/**
 * `body` in `encoding`, or null when it is too small to bother. `quality` "fast" for pages made per
 * request (brotli at 4: a page in well under a millisecond), "best" for files compressed once.
 */
export function compressBody(body: Buffer, encoding: Encoding, quality: "fast" | "best"): Buffer | null {
  if (body.length < MIN_BYTES) return null;
  if (encoding === "gzip") return gzipSync(body, { level: quality === "best" ? 9 : 6 });
  return brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: quality === "best" ? constants.BROTLI_MAX_QUALITY : 4,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
}
