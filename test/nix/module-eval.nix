# Evaluates nix/modules/nixos/cloud-instance.nix with the real module system (lib.evalModules) but
# without nixpkgs: the few NixOS options the module sets are declared here as plain options, and
# `pkgs` is a set of fake derivations. Prints what module-eval.test.ts and ccc-apply.test.ts assert on.
# Run with --readonly-mode: Nix paths in the output are then named, not copied into a store.
{
  # A nixpkgs `lib` directory (one with default.nix), as a string.
  nixpkgsLib,
  # The services.cloudInstance values, as JSON.
  instanceJson,
  # More NixOS settings, as JSON (e.g. to override services.openssh.hostKeys).
  extraJson ? "{}",
  # When set, services.cloudInstance.nixpkgsFlake is a stand-in flake with this outPath.
  nixpkgsFlakePath ? "",
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
  # Free unless it says otherwise, as in nixpkgs.
  unfreeDrv =
    name: license:
    fakeDrv name
    // {
      meta = { inherit license; };
    };
  fakePkgs =
    lib.genAttrs [
      "claude-code"
      "git"
      "tmux"
      "vim"
      "ripgrep"
      "nodejs"
      "coreutils"
      "util-linux"
      "python3"
      "go"
      "acl"
    ] fakeDrv
    // {
      writeShellScriptBin = name: text: fakeDrv name // { inherit text; };
      writeText = name: text: fakeDrv name // { inherit text; };
      # A package set, not a package; one package inside it; a function; a removed package (nixpkgs' aliases throw).
      python3Packages = {
        numpy = fakeDrv "numpy" // {
          meta.license = {
            free = true;
            shortName = "bsd3";
          };
        };
      };
      writeScript = name: text: fakeDrv name;
      removed-tool = throw "removed-tool has been removed from nixpkgs";
      # Two unfree licences, as some packages have; one with only a short name.
      example-unfree = unfreeDrv "example-unfree" [
        {
          free = false;
          fullName = "Example Proprietary Licence";
          shortName = "example";
        }
        {
          free = false;
          shortName = "unfreeRedistributable";
        }
      ];
      example-mixed = unfreeDrv "example-mixed" {
        free = true;
        fullName = "MIT License";
      };
    };

  free = mkOption {
    type = types.attrsOf types.anything;
    default = { };
  };
  text = mkOption {
    type = types.lines;
    default = "";
  };

  stubs = {
    options = {
      assertions = mkOption {
        type = types.listOf types.unspecified;
        default = [ ];
      };
      networking.hostName = mkOption { type = types.str; };
      users.users = mkOption {
        type = types.attrsOf (
          types.submodule {
            freeformType = types.attrsOf types.anything;
            options.openssh.authorizedKeys.keys = mkOption {
              type = types.listOf types.str;
              default = [ ];
            };
          }
        );
        default = { };
      };
      users.groups = mkOption {
        type = types.attrsOf (types.attrsOf types.anything);
        default = { };
      };
      systemd.package = mkOption {
        type = types.package;
        default = fakeDrv "systemd";
      };
      users.motdFile = mkOption {
        type = types.nullOr types.path;
        default = null;
      };
      security.sudo = free;
      services.openssh = mkOption {
        type = types.submodule {
          freeformType = types.attrsOf types.anything;
          options.authorizedKeysFiles = mkOption {
            type = types.listOf types.str;
            default = [ ];
          };
          # nixpkgs' default; ccc relies on the ed25519 path.
          options.hostKeys = mkOption {
            type = types.listOf types.attrs;
            default = [
              {
                type = "rsa";
                bits = 4096;
                path = "/etc/ssh/ssh_host_rsa_key";
              }
              {
                type = "ed25519";
                path = "/etc/ssh/ssh_host_ed25519_key";
              }
            ];
          };
        };
        default = { };
      };
      environment.etc = mkOption {
        type = types.attrsOf (
          types.submodule {
            options.text = mkOption {
              type = types.nullOr types.lines;
              default = null;
            };
            options.source = mkOption {
              type = types.nullOr types.path;
              default = null;
            };
          }
        );
        default = { };
      };
      environment.systemPackages = mkOption {
        type = types.listOf types.unspecified;
        default = [ ];
      };
      environment.loginShellInit = text;
      systemd.tmpfiles.rules = mkOption {
        type = types.listOf types.str;
        default = [ ];
      };
      nixpkgs.config = free;
      nixpkgs.flake = free;
      nix.settings = free;
      nix.registry = free;
      nix.nixPath = mkOption {
        type = types.listOf types.str;
        default = [ ];
      };
      nix.package = mkOption {
        type = types.package;
        default = fakeDrv "nix";
      };
      systemd.services = free;
    };
  };

  eval = lib.evalModules {
    modules = [
      stubs
      ../../nix/modules/nixos/cloud-instance.nix
      {
        _module.args.pkgs = fakePkgs;
        services.cloudInstance = {
          enable = true;
        }
        // lib.optionalAttrs (nixpkgsFlakePath != "") {
          nixpkgsFlake = {
            outPath = nixpkgsFlakePath;
            rev = "0123456789abcdef0123456789abcdef01234567";
          };
        }
        // builtins.fromJSON instanceJson;
      }
      (builtins.fromJSON extraJson)
    ];
  };
  inherit (eval) config;
  claude = config.users.users.claude;
  allowUnfree = config.nixpkgs.config.allowUnfreePredicate;
in
{
  failedAssertions = map (a: a.message) (builtins.filter (a: !a.assertion) config.assertions);
  hostName = config.networking.hostName;
  claude = {
    inherit (claude) isNormalUser home extraGroups;
    authorizedKeys = claude.openssh.authorizedKeys.keys;
  };
  sudoWheelNeedsPassword = config.security.sudo.wheelNeedsPassword;
  sudo = config.security.sudo;
  # Every account but root and claude (the guest accounts), as the tests compare them.
  guestUsers = lib.mapAttrs (_: u: {
    inherit (u) isNormalUser;
    extraGroups = u.extraGroups or [ ];
    authorizedKeys = u.openssh.authorizedKeys.keys;
  }) (removeAttrs config.users.users [ "root" "claude" ]);
  claudeHomeMode = claude.homeMode or null;
  groups = builtins.attrNames config.users.groups;
  openssh = config.services.openssh;
  # A file's text, or where it links to: a live file's path, or the source file of a Nix path.
  etc = lib.mapAttrs (_: file: if file.text != null then file.text else toString file.source) config.environment.etc;
  motdFile = config.users.motdFile;
  seedFiles = config.services.cloudInstance.seedFiles;
  rootPackages = map (p: {
    inherit (p) name;
    text = p.text or "";
  }) (config.users.users.root.packages or [ ]);
  loginShellInit = config.environment.loginShellInit;
  tmpfiles = config.systemd.tmpfiles.rules;
  packages = map (p: p.name) config.environment.systemPackages;
  timeLeftScript = (lib.findFirst (p: p.name == "ccc-time-left") { text = ""; } config.environment.systemPackages).text;
  unfreeAllowed = {
    claude-code = allowUnfree (fakeDrv "claude-code");
    some-other-unfree = allowUnfree (fakeDrv "some-other-unfree");
    example-unfree = allowUnfree fakePkgs.example-unfree;
  };
  nixSettings = config.nix.settings;
  registry = lib.mapAttrs (_: entry: { flake = entry.flake.outPath or null; }) config.nix.registry;
  nixPath = config.nix.nixPath;
  nixpkgsFlake = config.nixpkgs.flake;
  services = config.systemd.services;
}
