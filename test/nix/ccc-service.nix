# Evaluates services.ccc (nix/modules/nixos/ccc-service.nix) with the real module system but without
# nixpkgs, like module-eval.nix: stub declarations for the NixOS options it sets, fake `pkgs`. With
# viaFlake, the module comes from the flake's nixosModules.ccc, which also picks the package.
{
  nixpkgsLib,
  # The services.ccc values, as JSON; `package` is added as a fake derivation unless viaFlake.
  cccJson,
  # More NixOS settings, as JSON.
  extraJson ? "{}",
  viaFlake ? "false",
}:
let
  lib = import nixpkgsLib;
  inherit (lib) mkOption types;

  fakeDrv = name: {
    type = "derivation";
    inherit name;
    pname = name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
  };
  fakePkgs = lib.genAttrs [ "nixos-anywhere" "openssh" ] fakeDrv // {
    # The operators' `ccc`: its script text, to compare with the unit.
    writeShellScriptBin = name: text: fakeDrv name // { inherit text; };
    # What nixosModules.ccc builds the package with: records which file it was asked for.
    callPackage = file: _args: fakeDrv "ccc-from-flake" // { file = toString file; };
  };

  flake = (import ../../nix/flake.nix).outputs {
    nixpkgs = { inherit lib; };
    disko = { };
  };
  fromFlake = viaFlake == "true";

  anything = mkOption {
    type = types.attrsOf types.anything;
    default = { };
  };
  stubs = {
    options = {
      assertions = mkOption {
        type = types.listOf types.unspecified;
        default = [ ];
      };
      users.users = anything;
      environment.systemPackages = mkOption {
        type = types.listOf types.unspecified;
        default = [ ];
      };
      systemd.package = mkOption {
        type = types.unspecified;
        default = fakeDrv "systemd";
      };
      users.groups = anything;
      nix.package = mkOption {
        type = types.unspecified;
        default = fakeDrv "nix";
      };
      systemd.services = mkOption {
        type = types.attrsOf (
          types.submodule {
            freeformType = types.attrsOf types.anything;
            options.environment = mkOption {
              type = types.attrsOf types.str;
              default = { };
            };
            options.serviceConfig = anything;
          }
        );
        default = { };
      };
    };
  };

  eval = lib.evalModules {
    modules = [
      stubs
      (if fromFlake then flake.nixosModules.ccc else ../../nix/modules/nixos/ccc-service.nix)
      {
        _module.args.pkgs = fakePkgs;
        services.ccc =
          builtins.fromJSON cccJson // lib.optionalAttrs (!fromFlake) { package = fakeDrv "ccc"; };
      }
      (builtins.fromJSON extraJson)
    ];
  };
  inherit (eval) config;
  service = config.systemd.services.ccc or null;
in
{
  failedAssertions = map (a: a.message) (builtins.filter (a: !a.assertion) config.assertions);
  packageFile = config.services.ccc.package.file or null;
  users = lib.mapAttrs (_: u: u) config.users.users;
  groups = lib.attrNames config.users.groups;
  cli = map (p: { inherit (p) name; text = p.text or null; }) config.environment.systemPackages;
  service =
    if service == null then
      null
    else
      {
        inherit (service) wantedBy after;
        environment = service.environment;
        path = map (p: p.name) service.path;
        serviceConfig = service.serviceConfig;
      };
}
