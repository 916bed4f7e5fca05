# Hetzner Cloud networking. IPv4 comes from DHCP. IPv6 is not announced (no SLAAC, no DHCPv6): each server
# owns a /64 and must configure an address from it itself, with the on-link gateway fe80::1. The address is
# only known once the server exists, so cloud-init reads it from Hetzner's metadata service at boot and
# writes the systemd-networkd configuration, as Hetzner's own images do.
{ ... }:
{
  networking.useNetworkd = true;
  networking.useDHCP = false;
  networking.firewall.allowedTCPPorts = [ 22 ];

  services.cloud-init = {
    enable = true;
    network.enable = true;
    settings = {
      datasource_list = [ "Hetzner" ];
      # The host name is the instance id, set by the cloud-instance module.
      preserve_hostname = true;
      # NixOS generates the host keys; cloud-init must not replace them.
      ssh_deletekeys = false;
    };
  };

  # Fallback when cloud-init wrote nothing (metadata service unreachable): DHCP for IPv4 and the IPv6
  # default route, so the machine is still reachable over IPv4. cloud-init's file sorts first and wins.
  systemd.network.networks."99-hetzner-uplink" = {
    matchConfig.Name = "en* eth*";
    networkConfig = {
      DHCP = "ipv4";
      IPv6AcceptRA = false;
    };
    routes = [
      {
        Gateway = "fe80::1";
        GatewayOnLink = true;
      }
    ];
  };
}
