// Opens (and so migrates) the store at argv[2], as another ccc process would, at the moment argv[3]
// (epoch ms) so that several of these collide; then says "opened".
import { systemClock } from "../../src/adapters/system-clock.ts";
import { Store as InstanceStore } from "../../src/core/store/store.ts";

const at = Number(process.argv[3] ?? 0);
while (Date.now() < at) {
  // spin: a timer's granularity would spread the processes apart again
}
InstanceStore.open(process.argv[2] as string, systemClock).close();
console.log("opened");
