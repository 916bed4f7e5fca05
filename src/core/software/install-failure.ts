// A fresh install fails as a whole when the module's checks refuse an extra package. Those two
// refusals are the user's own choice, so they are worth telling the user; everything else the
// installer printed stays with the admins. Only a package name and a licence name of a strict form are
// taken from the text, and the sentence around them is ccc's.

const NAME = "[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)*";
const MISSING = new RegExp(`nixpkgs has no package named (${NAME})`);
const UNFREE = new RegExp(`(${NAME}) is unfree \\(([A-Za-z0-9 .,:+/-]{1,120})\\); ccc installs unfree`);

/** The user's words for an install that the extra-software checks stopped, or null for any other failure. */
export function softwareInstallFailure(installerText: string): string | null {
  const missing = MISSING.exec(installerText);
  if (missing) {
    return `The extra software could not be installed: nixpkgs has no package named ${missing[1]}. Check the name (search.nixos.org) and ask again.`;
  }
  const unfree = UNFREE.exec(installerText);
  if (unfree) {
    return `The extra software could not be installed: ${unfree[1]} is unfree (${unfree[2]}), and this workspace does not allow unfree software.`;
  }
  return null;
}
