import { connect } from "node:net";

/** Connects once and resolves with the SSH banner line, or rejects (refused, timed out, not SSH). */
export function probeSsh(
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = "";
    const finish = (error: Error | null, banner?: string) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve(banner as string);
    };
    const onAbort = () => finish(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
    const timer = setTimeout(() => finish(new Error(`no SSH banner within ${timeoutMs} ms`)), timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      received += chunk;
      const end = received.indexOf("\n");
      if (end === -1 && received.length < 256) return;
      const line = (end === -1 ? received : received.slice(0, end)).replace(/\r$/, "");
      if (line.startsWith("SSH-")) finish(null, line);
      else finish(new Error(`not an SSH server (said "${line.slice(0, 40)}")`));
    });
    socket.on("error", (error) => finish(error));
    socket.on("close", () => finish(new Error("connection closed before an SSH banner")));
  });
}
