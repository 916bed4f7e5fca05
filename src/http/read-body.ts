import type { IncomingMessage } from "node:http";
import { HttpError } from "./http-error.ts";

/**
 * Reads a request body of at most `limit` bytes. Whatever `content-length` says, a body that grows
 * past the limit is refused as soon as it does, not once it has all arrived.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error: Error | null) => {
      if (settled) return;
      settled = true;
      req.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
      if (error) {
        req.pause();
        reject(error);
      } else {
        resolve(Buffer.concat(chunks, size));
      }
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return settle(new HttpError(413, "request body too large"));
      chunks.push(chunk);
    };
    const onEnd = () => settle(null);
    const onError = () => settle(new HttpError(400, "request aborted"));
    const onClose = () => settle(new HttpError(400, "request aborted"));
    req.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  });
}
