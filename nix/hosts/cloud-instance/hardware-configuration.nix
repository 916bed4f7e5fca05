# Hetzner Cloud virtual hardware: QEMU/KVM guests with virtio devices. x86 types (cx, cpx, ccx) boot with
# SeaBIOS; Arm types (cax) boot with UEFI only, so GRUB is EFI-only there.
{
  lib,
  modulesPath,
  pkgs,
  ...
}:
let
  isArm = pkgs.stdenv.hostPlatform.isAarch64;
in
{
  imports = [ (modulesPath + "/profiles/qemu-guest.nix") ];

  boot.initrd.availableKernelModules = [
    "virtio_pci"
    "virtio_scsi"
    "virtio_blk"
    "sd_mod"
    "sr_mod"
  ]
  ++ lib.optionals (!isArm) [
    "ata_piix"
    "uhci_hcd"
  ]
  ++ lib.optionals isArm [
    "xhci_pci"
    "usbhid"
  ];

  boot.loader.grub = {
    enable = true;
    efiSupport = true;
    # Hetzner's UEFI keeps no boot entries we could write to; the removable path is always tried.
    efiInstallAsRemovable = true;
    # On x86 the BIOS boot partition in disk-config.nix makes disko set the device (/dev/sda).
    devices = lib.mkIf isArm [ "nodev" ];
  };

  # Hetzner's web console and password reset talk to the guest agent.
  services.qemuGuest.enable = true;
}
