import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../config.ts";
import type { Route } from "../http/server.ts";
import { chooseEncoding, compressBody } from "./compress.ts";
import { ASSET_PATHS } from "./layout.ts";
import { SECURITY_HEADERS } from "./respond.ts";

/** The dashboard's script and stylesheet: plain files in src/web/static, no build step, read once. */
export function staticRoutes(): Route[] {
  const dir = join(PROJECT_ROOT, "src", "web", "static");
  const file = (path: string, name: string, type: string): Route => {
    const plain = readFileSync(join(dir, name));
    // Compressed once, at their best, when the routes are made.
    const packed = { br: compressBody(plain, "br", "best"), gzip: compressBody(plain, "gzip", "best") };
    return {
      method: "GET",
      path,
      handle: ({ req, res }) => {
        const encoding = chooseEncoding(req);
        const body = (encoding && packed[encoding]) || plain;
        res.writeHead(200, {
          ...SECURITY_HEADERS,
          "content-type": type,
          "cache-control": "public, max-age=300",
          vary: "accept-encoding",
          ...(body !== plain && encoding ? { "content-encoding": encoding } : {}),
          "content-length": String(body.length),
        });
        res.end(body);
      },
    };
  };
  return [
    file(ASSET_PATHS.js, "app.js", "text/javascript; charset=utf-8"),
    file(ASSET_PATHS.css, "app.css", "text/css; charset=utf-8"),
  ];
}
