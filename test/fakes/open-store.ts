// Opens (and so migrates) the store at each path read from standard input, as another ccc process
// would, saying "opened" after each. It says "ready" first, once loaded, so that a test can start
// several of these and then hand them one path together: their opens collide.
import { createInterface } from "node:readline";
import { systemClock } from "../../src/adapters/system-clock.ts";
import { Store as InstanceStore } from "../../src/core/store/store.ts";

console.log("ready");
for await (const path of createInterface({ input: process.stdin })) {
  InstanceStore.open(path, systemClock).close();
  console.log("opened");
}
