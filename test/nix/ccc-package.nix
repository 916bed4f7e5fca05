# Evaluates nix/packages/ccc/package.nix against the real package.json and package-lock.json, with stand-ins
# for buildNpmPackage and importNpmLock that return what they were called with.
{ nixpkgsLib }:
let
  lib = import nixpkgsLib;
  fakeDrv = name: {
    type = "derivation";
    inherit name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
  };
  args = import ../../nix/packages/ccc/package.nix {
    inherit lib;
    buildNpmPackage = attrs: attrs;
    importNpmLock = {
      __functor = _: attrs: attrs;
      npmConfigHook = fakeDrv "npm-config-hook";
    };
    makeWrapper = fakeDrv "make-wrapper";
    nodejs_22 = fakeDrv "nodejs-22" // { meta.mainProgram = "node"; };
    python3 = fakeDrv "python3";
    # A string, not a Nix path: nothing is copied, the files are read where they are.
    src = toString ../..;
  };
in
{
  inherit (args) pname version dontNpmBuild installPhase;
  nodejs = args.nodejs.name;
  npmConfigHook = args.npmConfigHook.name;
  nativeBuildInputs = map (p: p.name) args.nativeBuildInputs;
  depsPackage = args.npmDeps.package.name;
  # [ lock path, resolved URL or null ] for every entry of the lock as importNpmLock gets it.
  resolved = lib.mapAttrsToList (path: module: [
    path
    (module.resolved or null)
  ]) args.npmDeps.packageLock.packages;
  mainProgram = args.meta.mainProgram;
}
