# The ccc machine: Hetzner Cloud hardware plus the cloud-instance module. Everything that differs per
# machine (SSH keys, id, expiry, CPU architecture) comes from lib.mkCloudInstance in ../../flake.nix.
{ ... }:
{
  imports = [
    ../../modules/nixos/cloud-instance.nix
    ./hardware-configuration.nix
    ./disk-config.nix
    ./networking.nix
  ];

  services.cloudInstance.enable = true;

  time.timeZone = "UTC";

  # Every machine is installed fresh from the pinned nixpkgs (nixos-26.05), so this never lags behind.
  system.stateVersion = "26.05";
}
