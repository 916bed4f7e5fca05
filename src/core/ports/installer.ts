/** What the installer needs to turn a fresh server into the NixOS machine of `flakeRef`. */
export interface InstallRequest {
  instanceId: string;
  /** e.g. `path:/…/data/instances/ccc-abc234#cloud-instance`. */
  flakeRef: string;
  host: string;
  /** The NixOS system to install, e.g. `aarch64-linux` for Arm types. */
  system: "x86_64-linux" | "aarch64-linux";
  sshPort: number;
  /** The operator's private key, which the fresh server accepts for root. */
  identityFile: string;
  /** Where the installer's output goes. */
  logFile: string;
  timeoutMs: number;
  /** A folder whose tree is copied onto the new root (`--extra-files`): the machine's host key. */
  extraFilesDir?: string;
  signal?: AbortSignal;
}

/** The installer port: `src/adapters/nixos-anywhere.ts` runs the real thing. */
export interface Installer {
  install(request: InstallRequest): Promise<void>;
}
