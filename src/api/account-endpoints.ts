import { againCommand } from "../commands/again.ts";
import { keyCommand } from "../commands/key.ts";
import { prefsCommand } from "../commands/prefs.ts";
import type { Endpoint } from "./endpoint.ts";
import { EXAMPLE_KEY, EXAMPLES } from "./examples.ts";
import { instanceSchema, keySchema, prefsSchema } from "./response-schemas.ts";

// The token's person's own settings (`/me/…`), and `again`. An admin sets someone else's key or
// defaults through the CLI or Slack; here `user` is always the token's person.

const FINGERPRINT = "SHA256:q7Hn3Yl3mVJbJc1nY1Yx9kzQ3E1h7n2zXb2cY0mZr6c";

export const ACCOUNT_ENDPOINTS: readonly Endpoint[] = [
  {
    method: "GET",
    path: "/me/key",
    verb: keyCommand,
    operation: "showKey",
    from: "none",
    fixed: (actor) => ({ action: "show", user: actor.id }),
    status: 200,
    response: keySchema,
    example: { response: { user: "U012AB3CD", fingerprint: FINGERPRINT, shared: [], dropped: [] } },
  },
  {
    method: "PUT",
    path: "/me/key",
    verb: keyCommand,
    operation: "setKey",
    from: "body",
    fixed: (actor) => ({ action: "set", user: actor.id }),
    status: 200,
    response: keySchema,
    example: {
      body: { sshKey: EXAMPLE_KEY },
      response: { user: "U012AB3CD", fingerprint: FINGERPRINT, shared: ["ccc-7f3k2q"], dropped: [] },
    },
  },
  {
    method: "GET",
    path: "/me/prefs",
    verb: prefsCommand,
    operation: "showPrefs",
    from: "none",
    fixed: (actor) => ({ action: "show", user: actor.id }),
    status: 200,
    response: prefsSchema,
    example: {
      response: { user: "U012AB3CD", prefs: { serverType: "cx33", hours: 8 }, changed: false },
    },
  },
  {
    method: "PATCH",
    path: "/me/prefs",
    verb: prefsCommand,
    operation: "setPrefs",
    from: "body",
    fixed: (actor) => ({ action: "set", user: actor.id }),
    status: 200,
    response: prefsSchema,
    example: {
      body: { location: "hel1", packages: ["python3", "go"], hours: "", saveOnExpiry: "on" },
      response: {
        user: "U012AB3CD",
        prefs: { serverType: "cx33", location: "hel1", packages: ["python3", "go"], saveOnExpiry: true },
        changed: true,
      },
    },
  },
  {
    method: "POST",
    path: "/again",
    verb: againCommand,
    from: "body",
    status: 202,
    response: instanceSchema,
    example: { body: {}, response: EXAMPLES.creating },
  },
];
