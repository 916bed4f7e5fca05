import type { Instance } from "../core/instances/instance.ts";
import { failedPackages, installedPackages } from "../core/software/package-results.ts";
import { context, escapeText } from "./block-kit/mrkdwn.ts";

/** The extra-software lines of `status` and `provision` in the terminal. */
export function softwareLines(i: Instance): string[] {
  const asked = i.packages ?? [];
  if (asked.length === 0) return [];
  const lines = [`  software: ${asked.join(", ")}`];
  if (i.packageResults) {
    lines.push(`  installed: ${installedPackages(i.packageResults).join(", ") || "(none)"}`);
    for (const f of failedPackages(i.packageResults)) {
      lines.push(`  not installed: ${f.name}${f.error ? ` (${f.error})` : ""}`);
    }
  }
  return lines;
}

/** For a notification's plain text: the names that did not install, if any. */
export function notInstalledText(i: Instance): string {
  const failed = failedPackages(i.packageResults);
  return failed.length > 0 ? ` (not installed: ${failed.map((f) => f.name).join(", ")})` : "";
}

/** One line under a Slack card: the extras, and any that failed (the machine is usable all the same). */
export function softwareContext(i: Instance) {
  const asked = i.packages ?? [];
  if (asked.length === 0) return [];
  const failed = failedPackages(i.packageResults);
  const names = (list: readonly string[]) => list.map((n) => `\`${escapeText(n)}\``).join(", ");
  const blocks = [context(`Extra software: ${names(asked)}`)];
  if (failed.length > 0) {
    const why = failed.map((f) => `\`${escapeText(f.name)}\`${f.error ? ` (${escapeText(f.error)})` : ""}`);
    blocks.push(
      context(
        `:warning: Could not install ${why.join(", ")}. The machine is yours to use all the same; install it yourself with \`nix profile install nixpkgs#<name>\` or ask for another name.`,
      ),
    );
  }
  return blocks;
}
