# Software beyond the base set: the extra nixpkgs packages the owner chose at provision time (names from
# instance.json, resolved against `pkgs`), which unfree packages may be built, and the pin that makes
# `nixpkgs#…` on the machine the revision the system was built from, so `ccc-apply` installs extras on a
# pool machine from the same nixpkgs as a fresh install would. Imported by cloud-instance.nix.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib) mkIf mkOption types;
  cfg = config.services.cloudInstance;

  # Same rule as ccc's --packages check and ccc-apply's: an attribute path, never Nix source.
  # Each part a Nix identifier (a letter or _ first), and none that leaves nixpkgs' own package set.
  namePattern = "[A-Za-z_][A-Za-z0-9_-]*(\\.[A-Za-z_][A-Za-z0-9_-]*)*";
  escapePattern = "pkgs|pkgs([A-Z]|i686|x86_64).*|(build|target|host)Packages|__.*";
  leavesSet =
    name:
    let
      parts = lib.splitString "." name;
      interpreterSet =
        builtins.length parts > 2 && builtins.elemAt parts 1 == "pkgs" && !lib.hasSuffix "Packages" (builtins.head parts);
    in
    lib.any (i: !(interpreterSet && i == 1) && builtins.match escapePattern (builtins.elemAt parts i) != null) (
      lib.range 0 (builtins.length parts - 1)
    );
  maxExtraPackages = 20;
  isName = name: builtins.match namePattern name != null && !leavesSet name;

  # A derivation, or null for a missing name, a non-package (a package set, a function) or a name nixpkgs
  # throws for (removed packages are aliases that throw).
  resolve =
    name:
    let
      found = builtins.tryEval (
        let
          value = lib.attrByPath (lib.splitString "." name) null pkgs;
        in
        if lib.isDerivation value then value else null
      );
    in
    if found.success then found.value else null;

  extras = map (name: {
    inherit name;
    package = resolve name;
  }) (builtins.filter isName cfg.extraPackages);
  found = builtins.filter (extra: extra.package != null) extras;

  # As nixpkgs' own check does: a package is unfree when any of its licences is.
  unfreeLicences = package: builtins.filter (l: !(l.free or true)) (lib.toList (package.meta.license or [ ]));
  isUnfree = extra: unfreeLicences extra.package != [ ];
  licenceNames =
    package:
    lib.concatMapStringsSep ", " (l: l.fullName or l.shortName or "an unfree licence") (
      unfreeLicences package
    );
  allowed = extra: cfg.allowUnfreeExtraPackages || !isUnfree extra;
  # By package name, as nixpkgs asks the predicate; claude-code is always allowed.
  unfreeAllowedNames = [
    "claude-code"
  ]
  ++ lib.optionals cfg.allowUnfreeExtraPackages (map (extra: lib.getName extra.package) found);
in
{
  options.services.cloudInstance = {
    extraPackages = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [
        "python3"
        "go"
        "python3Packages.numpy"
      ];
      description = "nixpkgs attribute paths of extra packages the owner chose, installed system-wide (at most ${toString maxExtraPackages}).";
    };

    allowUnfreeExtraPackages = mkOption {
      type = types.bool;
      default = false;
      description = "Whether extra packages may be unfree (the admin's CCC_ALLOW_UNFREE); without it an unfree one fails evaluation, naming its licence.";
    };

    nixpkgsFlake = mkOption {
      type = types.nullOr types.attrs;
      default = null;
      description = "The nixpkgs flake the system is built from; when set, the machine's `nixpkgs` registry entry and NIX_PATH point at it.";
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      {
        assertion = lib.all isName cfg.extraPackages;
        message = "services.cloudInstance.extraPackages must be nixpkgs attribute names like python3 or python3Packages.numpy (parts that start with a letter or _, then letters, digits, _ and -, joined by dots; none that reaches into another package set like pkgs or pkgsCross), got ${builtins.toJSON (builtins.filter (name: !isName name) cfg.extraPackages)}.";
      }
      {
        assertion = builtins.length cfg.extraPackages <= maxExtraPackages;
        message = "services.cloudInstance.extraPackages may name at most ${toString maxExtraPackages} packages, got ${toString (builtins.length cfg.extraPackages)}.";
      }
      {
        assertion = builtins.length (lib.unique cfg.extraPackages) == builtins.length cfg.extraPackages;
        message = "services.cloudInstance.extraPackages names a package more than once.";
      }
    ]
    ++ map (extra: {
      assertion = extra.package != null;
      message = "nixpkgs has no package named ${extra.name}";
    }) extras
    ++ map (extra: {
      assertion = allowed extra;
      message = "${extra.name} is unfree (${licenceNames extra.package}); ccc installs unfree software only when the admin allows it (CCC_ALLOW_UNFREE=true).";
    }) found;

    environment.systemPackages = map (extra: extra.package) (builtins.filter allowed found);
    # ccc-apply names the system's extras in the banner and the context file, next to those it installs later.
    environment.etc."cloud-instance/extra-packages.json".text = builtins.toJSON cfg.extraPackages + "\n";

    nixpkgs.config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) unfreeAllowedNames;

    # Set here in full rather than through nixpkgs.flake.*: the two would both define the registry entry.
    nixpkgs.flake = mkIf (cfg.nixpkgsFlake != null) {
      setFlakeRegistry = false;
      setNixPath = false;
    };
    nix = mkIf (cfg.nixpkgsFlake != null) {
      registry.nixpkgs.flake = cfg.nixpkgsFlake;
      nixPath = [ "nixpkgs=${cfg.nixpkgsFlake}" ];
    };
  };
}
