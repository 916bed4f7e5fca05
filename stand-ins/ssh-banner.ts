// Stands in for the SSH daemons of fake servers: one port P for all of them, one listener per
// loopback IP, opened when the server "boots". Before `open(ip)`, connecting to ip:P is refused,
// like a machine that is still booting. Wire it to the fake cloud with
//   startFakeHetzner({ onServerRunning: (s) => ssh.open(s.public_net.ipv4.ip) })
// No test-framework imports: bench/ uses it too.
import { createServer, type Server, type Socket } from "node:net";

export const DEFAULT_SSH_BANNER = "SSH-2.0-OpenSSH_9.6\r\n";

export interface SshBanner {
  port: number;
  /**
   * Starts answering on ip:port; `silent` accepts connections but never sends a banner. Otherwise a client
   * that sends anything after the banner is disconnected.
   */
  open(ip: string, opts?: { banner?: string; silent?: boolean }): Promise<void>;
  isOpen(ip: string): boolean;
  /** Stops listening on ip:port and drops its connections. */
  closeHost(ip: string): Promise<void>;
  close(): Promise<void>;
}

interface Host {
  server: Server;
  sockets: Set<Socket>;
  ready: Promise<void>;
}

export async function startSshBanner(): Promise<SshBanner> {
  const port = await freePort();
  const hosts = new Map<string, Host>();

  const closeHost = async (ip: string): Promise<void> => {
    const host = hosts.get(ip);
    if (!host) return;
    hosts.delete(ip);
    await host.ready.catch(() => undefined);
    for (const socket of host.sockets) socket.destroy();
    await new Promise<void>((resolve) => host.server.close(() => resolve()));
  };

  return {
    port,
    open(ip, opts = {}) {
      const existing = hosts.get(ip);
      if (existing) return existing.ready;
      const sockets = new Set<Socket>();
      const server = createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => undefined);
        if (opts.silent) return;
        socket.write(opts.banner ?? DEFAULT_SSH_BANNER);
        // A banner is all it can do: a real SSH client going on to key exchange is hung up on, as an
        // unreachable machine, instead of waiting out the client's timeout.
        socket.on("data", () => socket.destroy());
      });
      const ready = new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, ip, () => resolve());
      });
      // Callers such as `onServerRunning` may not await: a failed listen must not crash the process.
      ready.catch(() => undefined);
      hosts.set(ip, { server, sockets, ready });
      return ready;
    },
    isOpen: (ip) => hosts.get(ip)?.server.listening ?? false,
    closeHost,
    close: async () => {
      await Promise.all([...hosts.keys()].map(closeHost));
    },
  };
}

/** A port the OS considers free on 127.0.0.1; other loopback IPs are very unlikely to hold it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}
