import type { CoreDeps } from "../deps.ts";
import { extraFilesDir, withExtraFiles } from "../machine/extra-files.ts";
import type { HostKeyPair } from "../machine/host-key.ts";
import { type InstanceFlakeInput, writeInstanceFlake } from "./instance-flake.ts";
import { instancePaths } from "./start-provision.ts";

/**
 * Installs NixOS on a booted server: writes the instance's flake, hands nixos-anywhere the host key
 * ccc made (`--extra-files`, removed again afterwards) and runs it. A user's machine and a pool
 * machine are installed the same way; only what goes into the flake differs.
 */
export async function installNixos(
  deps: CoreDeps,
  host: string,
  hostKey: HostKeyPair,
  flake: InstanceFlakeInput,
): Promise<void> {
  const id = flake.instanceId;
  const paths = instancePaths(deps, id);
  const { flakeRef } = await writeInstanceFlake(paths.flakeDir, deps.paths.flakeDir, flake);
  await withExtraFiles(extraFilesDir(deps.paths.instancesDir, id), hostKey, `root@${id}`, (dir) =>
    deps.installer.install({
      instanceId: id,
      flakeRef,
      host,
      system: flake.system,
      sshPort: deps.timing.sshPort,
      identityFile: deps.operatorKey.privateKeyPath,
      logFile: paths.logFile,
      timeoutMs: deps.timing.installTimeoutMs,
      extraFilesDir: dir,
    }),
  );
}
