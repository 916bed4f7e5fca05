// The renderers the API answers with are typed as their endpoint's schema: a field added to one and
// not the other fails the typecheck (tsc covers the tests), before any answer is sent.
import { describe, expectTypeOf, it } from "vitest";
import type * as z from "zod";
import type { InstanceJson } from "../../src/render/json.ts";
import type {
  instanceListSchema,
  instanceSchema,
  restoredSchema,
  wakingSchema,
} from "../../src/render/schemas/response-schemas.ts";

/** What a renderer makes: the schema's shape less `ownerName`, which the door adds beside each `owner`. */
type Rendered<S extends z.ZodType> = Omit<z.output<S>, "ownerName">;

describe("the API's renderers", () => {
  it("make exactly what their schemas describe", () => {
    expectTypeOf<InstanceJson>().toEqualTypeOf<Rendered<typeof instanceSchema>>();
    expectTypeOf<InstanceJson & { guests: string[] }>().branded.toEqualTypeOf<
      Omit<z.output<typeof instanceListSchema>[number], "ownerName">
    >();
    expectTypeOf<InstanceJson & { woken: boolean }>().branded.toEqualTypeOf<Rendered<typeof wakingSchema>>();
    expectTypeOf<InstanceJson & { restoredFrom: string }>().branded.toEqualTypeOf<
      Rendered<typeof restoredSchema>
    >();
  });
});
