import { appendFile, readFile } from "node:fs/promises";
import { execa } from "execa";
import { ExternalError } from "../core/errors.ts";
import type { Installer, InstallRequest } from "../core/ports/installer.ts";
import { clause } from "../core/sentence.ts";

/** Runs nixos-anywhere as a child process, its output appended to a per-instance log. */
export class NixosAnywhere implements Installer {
  constructor(
    private readonly binary: string,
    /** The installer's whole environment (see src/adapters/child-env.ts): nothing of this process's. */
    private readonly env: Record<string, string> = {},
    /** The system this process runs on: another one cannot be built here, so the target builds it. */
    private readonly localSystem: string = nixSystemOf(process.arch),
  ) {}

  async install(request: InstallRequest): Promise<void> {
    const args = [
      "--flake",
      request.flakeRef,
      "--target-host",
      `root@${request.host}`,
      "-i",
      request.identityFile,
      ...(request.sshPort === 22 ? [] : ["--ssh-port", String(request.sshPort)]),
      ...(request.system === this.localSystem ? [] : ["--build-on", "remote"]),
      ...(request.extraFilesDir ? ["--extra-files", request.extraFilesDir] : []),
    ];
    await appendFile(request.logFile, `$ ${this.binary} ${args.join(" ")}\n`, { mode: 0o600 });
    const toLog = { file: request.logFile, append: true } as const;
    const result = await execa(this.binary, args, {
      stdin: "ignore",
      env: this.env,
      extendEnv: false,
      stdout: toLog,
      stderr: toLog,
      reject: false,
      timeout: request.timeoutMs,
      forceKillAfterDelay: 5_000,
      ...(request.signal ? { cancelSignal: request.signal } : {}),
    });
    if (result.failed) throw await this.failure(request, result);
  }

  private async failure(
    request: InstallRequest,
    result: { timedOut: boolean; isCanceled: boolean; exitCode?: number; signal?: string; code?: string },
  ): Promise<ExternalError> {
    const tail = await lastLines(request.logFile, 5);
    const where = `Log: ${request.logFile}.`;
    if (result.code === "ENOENT") {
      return new ExternalError(
        "installer",
        "installer_missing",
        `The installer ${this.binary} was not found. Set CCC_NIXOS_ANYWHERE to its path.`,
      );
    }
    if (result.timedOut) {
      return new ExternalError(
        "installer",
        "install_timeout",
        `Installing NixOS took longer than ${Math.round(request.timeoutMs / 1000)} s and was stopped. ${where}`,
      );
    }
    if (result.isCanceled)
      return new ExternalError("installer", "install_canceled", `Install canceled. ${where}`);
    const how = result.exitCode !== undefined ? `exit code ${result.exitCode}` : `signal ${result.signal}`;
    return new ExternalError(
      "installer",
      "install_failed",
      `Installing NixOS failed (${how})${clause(tail) ? `: ${clause(tail)}` : ""}. ${where}`,
    );
  }
}

async function lastLines(file: string, count: number): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("$ "))
    .slice(-count)
    .join(" | ")
    .slice(-400);
}

function nixSystemOf(arch: string): string {
  return arch === "arm64" ? "aarch64-linux" : arch === "x64" ? "x86_64-linux" : `${arch}-linux`;
}
