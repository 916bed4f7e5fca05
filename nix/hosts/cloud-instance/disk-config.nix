# One disk (/dev/sda on every Hetzner Cloud type): a 1 MiB BIOS boot partition for GRUB on x86 (SeaBIOS),
# an EFI system partition used on Arm (UEFI) and harmless on x86, and ext4 for the rest.
{ lib, pkgs, ... }:
{
  disko.devices.disk.main = {
    type = "disk";
    device = lib.mkDefault "/dev/sda";
    content = {
      type = "gpt";
      partitions =
        lib.optionalAttrs pkgs.stdenv.hostPlatform.isx86 {
          bios = {
            size = "1M";
            type = "EF02";
            priority = 1;
          };
        }
        // {
          esp = {
            size = "512M";
            type = "EF00";
            priority = 2;
            content = {
              type = "filesystem";
              format = "vfat";
              mountpoint = "/boot";
              mountOptions = [ "umask=0077" ];
            };
          };
          root = {
            size = "100%";
            content = {
              type = "filesystem";
              format = "ext4";
              mountpoint = "/";
            };
          };
        };
    };
  };
}
