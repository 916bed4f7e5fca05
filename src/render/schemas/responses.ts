// Every API answer's schema by the name a verb's route gives it (`doors.http[].response`). Only the API
// door imports this: the CLI starts without building the answers' zod schemas (`npm run bench:cli`),
// while the routes stay declared in each verb's file and the compiler checks every name.
import { eventsSchema } from "./event-schemas.ts";
import { budgetSchema, usageSchema } from "./money-schemas.ts";
import {
  deletedSchema,
  extendedSchema,
  hibernatedSchema,
  instanceListSchema,
  instanceSchema,
  instanceStatusSchema,
  keptAwakeSchema,
  keySchema,
  offersSchema,
  prefsSchema,
  restoredSchema,
  sharedSchema,
  snapshotActionSchema,
  snapshotListSchema,
  snapshotSchema,
  volumeDeletedSchema,
  volumeListSchema,
  wakingSchema,
} from "./response-schemas.ts";
import {
  secretDeletedSchema,
  secretInfoSchema,
  secretListSchema,
  secretSetSchema,
} from "./secret-schemas.ts";
import { taskCancelledSchema, taskListSchema, taskSchema, taskShownSchema } from "./task-schemas.ts";

export const RESPONSES = {
  budget: budgetSchema,
  deleted: deletedSchema,
  events: eventsSchema,
  extended: extendedSchema,
  hibernated: hibernatedSchema,
  instanceList: instanceListSchema,
  instance: instanceSchema,
  instanceStatus: instanceStatusSchema,
  keptAwake: keptAwakeSchema,
  key: keySchema,
  offers: offersSchema,
  prefs: prefsSchema,
  restored: restoredSchema,
  secretDeleted: secretDeletedSchema,
  secretInfo: secretInfoSchema,
  secretList: secretListSchema,
  secretSet: secretSetSchema,
  shared: sharedSchema,
  snapshotAction: snapshotActionSchema,
  snapshotList: snapshotListSchema,
  snapshot: snapshotSchema,
  taskCancelled: taskCancelledSchema,
  taskList: taskListSchema,
  task: taskSchema,
  taskShown: taskShownSchema,
  usage: usageSchema,
  volumeDeleted: volumeDeletedSchema,
  volumeList: volumeListSchema,
  waking: wakingSchema,
} as const;

/** The name of an API answer's schema. */
export type ResponseName = keyof typeof RESPONSES;
