// The one way tests build core's dependencies. Every required part is filled the way the entry points
// fill it: composed from settings (src/compose.ts), so a policy a test does not set is the default an
// operator who set nothing has, and a test replaces only what it is about.
import { type ComposeOptions, composeCore, type Policies, policiesFrom } from "../../src/compose.ts";
import { parseConfig } from "../../src/config.ts";
import type { CoreDeps } from "../../src/core/deps.ts";

/** Core's dependencies from `env` (as an operator sets it), with `options` and then `parts` on top. */
export function buildCoreDeps(
  env: Record<string, string | undefined>,
  options: ComposeOptions = {},
  parts: Partial<CoreDeps> = {},
): CoreDeps {
  return { ...composeCore(parseConfig(env), options), ...parts };
}

/** The policies alone, from `env`: for a test that hands a core function only the parts it reads. */
export function testPolicies(env: Record<string, string | undefined> = {}): Policies {
  return policiesFrom(parseConfig(env));
}
