# The ccc bot and CLI as a Nix package: the project with its production node_modules, under
# lib/node_modules/ccc, and bin/ccc-bot and bin/ccc that exec node on the entry points. Dependencies come
# from package-lock.json alone (importNpmLock), so there is no second hash to keep in step with the lock.
{
  lib,
  buildNpmPackage,
  importNpmLock,
  makeWrapper,
  nodejs_22,
  python3,
  # The project's source: the repository root, without node_modules and data.
  src,
}:
let
  packageJson = lib.importJSON "${src}/package.json";
  lock = lib.importJSON "${src}/package-lock.json";
  scripts = packageJson.scripts or { };

  # npm leaves `resolved` out of the lock for packages from its default registry; importNpmLock fetches
  # by it, so put back the URL npm itself would use. `integrity` still pins every tarball.
  registryUrl =
    path: module:
    let
      name = module.name or (lib.last (lib.splitString "node_modules/" path));
    in
    "https://registry.npmjs.org/${name}/-/${baseNameOf name}-${module.version}.tgz";
  needsUrl =
    path: module:
    path != "" && !(module ? resolved) && module ? integrity && !(module.link or false) && !(module.inBundle or false);
  packageLock = lock // {
    packages = lib.mapAttrs (
      path: module: if needsUrl path module then module // { resolved = registryUrl path module; } else module
    ) lock.packages;
  };
in
buildNpmPackage {
  pname = "ccc";
  inherit (packageJson) version;
  inherit src;
  nodejs = nodejs_22;

  npmDeps = importNpmLock {
    npmRoot = src;
    package = packageJson;
    inherit packageLock;
  };
  npmConfigHook = importNpmLock.npmConfigHook;

  # better-sqlite3 compiles its addon when no prebuilt binary can be downloaded (never, in the sandbox).
  nativeBuildInputs = [
    makeWrapper
    python3
  ];

  # The compile step, when the project has one; without it bin/*.js run the TypeScript sources with tsx.
  dontNpmBuild = !(scripts ? build);

  installPhase = ''
    runHook preInstall
    npm prune --omit=dev --no-save
    mkdir -p $out/lib/node_modules $out/bin
    cp -r . $out/lib/node_modules/ccc
    rm -f $out/lib/node_modules/ccc/.package.json.orig $out/lib/node_modules/ccc/.package-lock.json.orig
    for entry in ccc ccc-bot; do
      makeWrapper ${lib.getExe nodejs_22} $out/bin/$entry \
        --add-flags $out/lib/node_modules/ccc/bin/$entry.js
    done
    runHook postInstall
  '';

  meta = {
    inherit (packageJson) description;
    mainProgram = "ccc-bot";
    platforms = lib.platforms.linux ++ lib.platforms.darwin;
  };
}
