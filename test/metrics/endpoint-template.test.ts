import { describe, expect, it } from "vitest";
import { endpointTemplate } from "../../src/adapters/hetzner/request-metrics.ts";

describe("Hetzner endpoint templates", () => {
  it("replaces ids and action names, keeps resource words", () => {
    expect(endpointTemplate("/servers")).toBe("/servers");
    expect(endpointTemplate("/servers/4711")).toBe("/servers/{id}");
    expect(endpointTemplate("/servers/4711/actions/create_image")).toBe("/servers/{id}/actions/{action}");
    expect(endpointTemplate("/volumes/12/actions/attach")).toBe("/volumes/{id}/actions/{action}");
    expect(endpointTemplate("/actions/99")).toBe("/actions/{id}");
    expect(endpointTemplate("/actions")).toBe("/actions");
    expect(endpointTemplate("/server_types")).toBe("/server_types");
    expect(endpointTemplate("/ssh_keys/ccc-operator")).toBe("/ssh_keys/{id}");
    expect(endpointTemplate("/images/ubuntu-24.04")).toBe("/images/{id}");
  });
});
