import { execa, execaSync } from "execa";

/** Why the Nix tests cannot run here, or null when `nix-instantiate` is on PATH. */
export const nixMissingReason: string | null = (() => {
  try {
    execaSync("nix-instantiate", ["--version"]);
    return null;
  } catch {
    return "nix-instantiate is not installed (apt-get install nix-bin; .ci/run does)";
  }
})();

export async function nixInstantiate(args: string[]): Promise<string> {
  const { stdout } = await execa("nix-instantiate", args);
  return stdout;
}

export async function nixEvalJson(args: string[]): Promise<unknown> {
  return JSON.parse(await nixInstantiate(["--eval", "--strict", "--json", ...args]));
}
