import { describe, expect, it } from "vitest";
import { parseInstanceId } from "../../src/core/instances/instance.ts";
import { normalizeInstanceId } from "../../src/core/instances/instance-id.ts";

describe("normalizeInstanceId", () => {
  it("gives every spelling of one id the same key", () => {
    expect(normalizeInstanceId("CCC-7F3K2Q")).toBe("ccc-7f3k2q");
    expect(normalizeInstanceId("  Ccc-7f3K2q\n")).toBe("ccc-7f3k2q");
    expect(normalizeInstanceId("ccc-7f3k2q")).toBe("ccc-7f3k2q");
  });

  it("is what the id check uses, so the gate key and the looked-up row agree", () => {
    expect(parseInstanceId(" CCC-7F3K2Q ")).toBe(normalizeInstanceId(" CCC-7F3K2Q "));
  });
});
