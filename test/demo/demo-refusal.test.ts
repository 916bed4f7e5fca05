// The demo can never reach a real service: with a real Hetzner, Slack or Stripe credential in its
// environment it refuses to start, names the variables (never their values) and starts nothing.
import { describe, expect, it } from "vitest";
import { DEMO_CREDENTIALS, demoRefusal } from "../../demo/refusal.ts";
import { runDemo } from "./demo-process.ts";

describe("the demo's refusal of real credentials", () => {
  it("refuses each real credential, naming it and not its value", () => {
    for (const name of ["HCLOUD_TOKEN", "SLACK_BOT_TOKEN", "STRIPE_SECRET_KEY"]) {
      const message = demoRefusal({ [name]: "real-secret-value-42" }) ?? "";
      expect(message).toContain(`because ${name} is set`);
      expect(message).toContain(`env -u ${name} npm run demo`);
      expect(message).not.toContain("real-secret-value-42");
    }
    expect(demoRefusal({ HCLOUD_TOKEN: "a", STRIPE_SECRET_KEY: "sk_live_x" })).toContain(
      "HCLOUD_TOKEN, STRIPE_SECRET_KEY are set",
    );
  });

  it("starts with none of them, an empty one, or its own values (its printed export lines)", () => {
    expect(demoRefusal({})).toBeNull();
    expect(demoRefusal({ HCLOUD_TOKEN: "", SLACK_BOT_TOKEN: "" })).toBeNull();
    expect(demoRefusal({ ...DEMO_CREDENTIALS })).toBeNull();
  });

  it("exits 2 before starting anything when `npm run demo` meets a real token", async () => {
    const demo = runDemo([], { SLACK_BOT_TOKEN: "xoxb-real-workspace-token", CCC_DEMO_SPEED: "20" });
    expect(await demo.exited).toBe(2);
    expect(demo.stderr()).toContain("not starting, because SLACK_BOT_TOKEN is set");
    expect(demo.stderr()).not.toContain("xoxb-real-workspace-token");
    expect(demo.stdout()).not.toContain("Dashboard");
  }, 60_000);
});
