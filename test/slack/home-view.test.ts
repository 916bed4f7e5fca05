import { describe, expect, it } from "vitest";
import { homeView } from "../../src/render/block-kit/home-view.ts";
import { anInstance, NOW } from "../commands/fixtures.ts";

const blockIds = (view: ReturnType<typeof homeView>) =>
  view.blocks.flatMap((b) => ("block_id" in b && b.block_id ? [b.block_id] : []));

describe("the Home view", () => {
  it("shows the user's machines with buttons and a New machine button, and nothing of others'", () => {
    const view = homeView({ mine: [anInstance()], everyone: null, now: NOW });
    const text = JSON.stringify(view);
    expect(text).toContain("ccc_new_machine");
    expect(text).toContain("ccc_extend_1h");
    expect(text).not.toContain("Everyone's live machines");
    expect(homeView({ mine: [], everyone: null, now: NOW, notice: "<b>no</b>" }).blocks[0]).toEqual({
      type: "section",
      text: { type: "mrkdwn", text: ":warning: &lt;b&gt;no&lt;/b&gt;" },
    });
    expect(JSON.stringify(homeView({ mine: [], everyone: null, now: NOW }))).toContain(
      "You have no machines running.",
    );
  });

  it("gives admins everyone's machines with owners, the cost per hour, and unique block ids", () => {
    const mine = anInstance();
    const bobs = anInstance({ id: "ccc-bbbbbb", owner: "U0BOB" });
    const view = homeView({
      mine: [mine],
      everyone: { instances: [mine, bobs], hourlyTotal: "0.0160" },
      now: NOW,
    });
    const text = JSON.stringify(view);
    expect(text).toContain("2 running · €0.0160 per hour in all");
    expect(text).toContain("<@U0BOB>");
    const ids = blockIds(view);
    expect(new Set(ids).size).toBe(ids.length);
    const unpriced = homeView({ mine: [], everyone: { instances: [bobs], hourlyTotal: null }, now: NOW });
    expect(JSON.stringify(unpriced)).toContain('"1 running"');
  });

  it("stays within Slack's 100 blocks, pointing to /ccc list all for the rest", () => {
    const many = Array.from({ length: 45 }, (_, n) =>
      anInstance({ id: `ccc-${String(n).padStart(6, "a")}` }),
    );
    const view = homeView({ mine: [], everyone: { instances: many, hourlyTotal: null }, now: NOW });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(view)).toContain("…and 5 more: /ccc list all");
  });
});

describe("the Home view and hibernation", () => {
  it("shows each machine's last active time and hibernated machines with a Wake button", () => {
    const mine = anInstance();
    const view = homeView({
      mine: [mine],
      everyone: null,
      now: NOW,
      idle: {
        lastActive: { [mine.id]: new Date(NOW.getTime() - 600_000) },
        asleep: [
          {
            id: 1,
            instanceId: "ccc-zzzzzz",
            owner: mine.owner,
            state: "asleep",
            sleptAt: new Date(NOW.getTime() - 3_600_000),
            remainingMs: 7_200_000,
            hourly: "0.0104",
            endedAt: null,
            workVolumeGb: null,
          },
        ],
      },
    });
    const text = JSON.stringify(view);
    expect(text).toContain("Last active <!date^");
    expect(text).toContain("*ccc-zzzzzz* is hibernating since");
    expect(text).toContain("ssh does not answer while it sleeps");
    expect(blockIds(view)).toContain("hibernation:ccc-zzzzzz");
  });
});
