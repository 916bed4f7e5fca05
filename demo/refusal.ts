// The demo must never reach a real service: it refuses to start when the environment holds a real
// Hetzner, Slack or Stripe credential (anything but the demo's own stand-in values, which its printed
// `export` lines set, so a second demo in that shell still starts). Names the variables, never their values.

/** The values the demo itself uses for the credentials it guards. */
export const DEMO_CREDENTIALS = {
  HCLOUD_TOKEN: "ccc-demo-hetzner-token",
  SLACK_BOT_TOKEN: "xoxb-ccc-demo",
  STRIPE_SECRET_KEY: "sk_test_ccc_demo",
} as const;

/** Why the demo will not start with this environment, or null when it may. */
export function demoRefusal(env: Record<string, string | undefined>): string | null {
  const real = Object.entries(DEMO_CREDENTIALS)
    .filter(([name, own]) => {
      const value = env[name];
      return value !== undefined && value !== "" && value !== own;
    })
    .map(([name]) => name);
  if (real.length === 0) return null;
  return [
    `ccc demo: not starting, because ${real.join(", ")} ${real.length === 1 ? "is" : "are"} set in this environment.`,
    "The demo runs on stand-ins only and must never be able to reach a real Hetzner project, Slack workspace or",
    "Stripe account. Start it from a shell without them, e.g.:",
    `  env -u ${real.join(" -u ")} npm run demo`,
  ].join("\n");
}
