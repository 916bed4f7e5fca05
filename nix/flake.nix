{
  description = "ccc (Claude Code Cloud): the NixOS system of every ephemeral Claude Code machine";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    disko = {
      url = "github:nix-community/disko";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs =
    { nixpkgs, disko, ... }:
    let
      inherit (nixpkgs) lib;
      machineSystems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      operatorSystems = machineSystems ++ [
        "x86_64-darwin"
        "aarch64-darwin"
      ];

      # The deployer calls this with the contents of a per-instance instance.json (see README.md).
      # No `...`: an unknown field in instance.json is an error, not silently ignored.
      mkCloudInstance =
        {
          instanceId,
          userSshKey,
          extraSshKeys ? [ ],
          expiresAt,
          system ? "x86_64-linux",
          extraPackages ? [ ],
          allowUnfree ? false,
        }:
        assert lib.assertMsg (builtins.elem system machineSystems)
          "mkCloudInstance: system must be one of ${toString machineSystems}, got ${system}";
        lib.nixosSystem {
          modules = [
            disko.nixosModules.disko
            ./hosts/cloud-instance
            {
              nixpkgs.hostPlatform = system;
              services.cloudInstance = {
                inherit
                  instanceId
                  userSshKey
                  extraSshKeys
                  expiresAt
                  extraPackages
                  ;
                allowUnfreeExtraPackages = allowUnfree;
                # `nixpkgs#…` on the machine is then this very revision, which ccc-apply installs extras from.
                nixpkgsFlake = nixpkgs;
              };
            }
          ];
        };

      # The bot's own source: the repository around this flake. Only reachable when the flake is taken from
      # the repository (`github:…?dir=nix`, `git+file:…?dir=nix`), not as `path:` of this directory; the
      # machines' flakes never ask for it.
      cccSource = lib.fileset.toSource {
        root = ../.;
        fileset = lib.fileset.difference ../. (
          lib.fileset.unions (
            map lib.fileset.maybeMissing [
              ../.git
              ../node_modules
              ../data
              ../coverage
              ../.env
            ]
          )
        );
      };
      cccPackage = pkgs: pkgs.callPackage ./packages/ccc/package.nix { src = cccSource; };

      # Clearly fake values: enough to build and inspect the system, useless for logging in.
      example = {
        instanceId = "ccc-examp2";
        userSshKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLEEX example@ccc.invalid";
        expiresAt = "2099-12-31T23:59:59Z";
      };
    in
    {
      lib = { inherit mkCloudInstance; };

      nixosModules.cloud-instance = ./modules/nixos/cloud-instance.nix;

      # The bot as a NixOS service, built with the host's own nixpkgs.
      nixosModules.ccc =
        { pkgs, ... }:
        {
          imports = [ ./modules/nixos/ccc-service.nix ];
          services.ccc.package = lib.mkDefault (cccPackage pkgs);
        };

      packages = lib.genAttrs operatorSystems (
        system:
        let
          ccc = cccPackage nixpkgs.legacyPackages.${system};
        in
        {
          inherit ccc;
          default = ccc;
        }
      );

      nixosConfigurations = {
        cloud-instance = mkCloudInstance example;
        cloud-instance-aarch64 = mkCloudInstance (example // { system = "aarch64-linux"; });
      };

      # For the operator: nixos-anywhere installs the machines, Node.js runs the ccc service.
      devShells = lib.genAttrs operatorSystems (
        system:
        let
          pkgs = nixpkgs.legacyPackages.${system};
        in
        {
          default = pkgs.mkShell {
            packages = [
              pkgs.nixos-anywhere
              pkgs.nodejs_22
              pkgs.openssh
            ];
          };
        }
      );
    };
}
