import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nixInstantiate, nixMissingReason } from "./nix-tool.ts";

const nixDir = join(import.meta.dirname, "../../nix");
const testNixDir = import.meta.dirname;

async function nixFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((name) => name.endsWith(".nix")).map((name) => join(dir, name));
}

describe("every .nix file parses", () => {
  it("finds the project's Nix files", async () => {
    const files = (await nixFiles(nixDir)).map((f) => f.slice(nixDir.length + 1)).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        "flake.nix",
        "modules/nixos/cloud-instance.nix",
        "modules/nixos/ccc-service.nix",
        "packages/ccc/package.nix",
        "hosts/cloud-instance/default.nix",
        "hosts/cloud-instance/hardware-configuration.nix",
        "hosts/cloud-instance/disk-config.nix",
        "hosts/cloud-instance/networking.nix",
      ]),
    );
  });

  it("parses each with nix-instantiate --parse", async (ctx) => {
    ctx.skip(nixMissingReason !== null, nixMissingReason ?? "");
    const files = [...(await nixFiles(nixDir)), ...(await nixFiles(testNixDir))];
    const failures: string[] = [];
    for (const file of files) {
      try {
        await nixInstantiate(["--parse", file]);
      } catch (error) {
        failures.push(`${file}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
