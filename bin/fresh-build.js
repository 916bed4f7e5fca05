// The executables run the compiled code in dist/. Code older than src/ would do something other
// than src/ says, so refuse it and say what to run. One directory walk that already knows which
// entries are folders, then a stat per entry: a few milliseconds (a walk that has to ask about each
// name first costs several times that).
const { readdirSync, statSync } = require("node:fs");
const { join, relative } = require("node:path");

const root = join(__dirname, "..");

/** Why dist/ cannot run as it is (missing, or older than src/), or null when it is fresh. */
function staleReason() {
  const built = statSync(join(root, "dist", ".built"), { throwIfNoEntry: false });
  if (!built) return "dist/ has not been built";
  const src = join(root, "src");
  // Folders too: a deleted file changes only its folder.
  const entries = readdirSync(src, { recursive: true, withFileTypes: true });
  const paths = [src, ...entries.map((e) => join(e.parentPath, e.name))];
  const changed = paths.find((path) => statSync(path).mtimeMs > built.mtimeMs);
  return changed === undefined ? null : `${relative(root, changed)} changed after the last build`;
}

/** Exits with code 2 and the command to run when dist/ is missing or older than src/. */
function requireFreshBuild() {
  const why = staleReason();
  if (why === null) return;
  process.stderr.write(`ccc: ${why}. Run \`npm run build\` in ${root} (npm ci does it too).\n`);
  process.exit(2);
}

module.exports = { staleReason, requireFreshBuild };
