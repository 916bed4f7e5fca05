# What every ccc machine is: the `claude` user with the owner's SSH keys, Claude Code and tools,
# and the instance's identity and expiry under /etc/cloud-instance/.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib) mkEnableOption mkIf mkOption types;
  cfg = config.services.cloudInstance;

  # Same shape as INSTANCE_ID_PATTERN in src/core/instance.ts (no l, o, 0, 1).
  idPattern = "ccc-[a-km-np-z2-9]{6}";
  # ISO 8601 in UTC, as the deployer writes it: 2026-11-25T12:00:00Z (fractional seconds allowed).
  expiryPattern = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?Z";
  matches = pattern: value: builtins.match pattern value != null;
  # A key is one line of text; a newline would smuggle a second authorized_keys entry in.
  isOneLineKey = key: lib.trim key != "" && !(lib.hasInfix "\n" key) && !(lib.hasInfix "\r" key);

  allKeys = [ cfg.userSshKey ] ++ cfg.extraSshKeys;

  claudeContext =
    builtins.replaceStrings
      [ "@instanceId@" "@expiresAt@" ]
      [ cfg.instanceId cfg.expiresAt ]
      (builtins.readFile ../../CLAUDE.cloud-instance.md);

  timeLeft = pkgs.writeShellScriptBin "ccc-time-left" ''
    set -eu
    expires=$(${pkgs.coreutils}/bin/cat /etc/cloud-instance/expires-at)
    now=$(${pkgs.coreutils}/bin/date -u +%s)
    end=$(${pkgs.coreutils}/bin/date -u -d "$expires" +%s)
    left=$((end - now))
    if [ "''${1-}" = "--seconds" ]; then
      echo "$left"
    elif [ "$left" -le 0 ]; then
      echo "This machine expired at $expires and will be deleted any moment now. Push your work."
    else
      printf '%dh %02dm left (expires at %s)\n' $((left / 3600)) $((left % 3600 / 60)) "$expires"
    fi
  '';
in
{
  options.services.cloudInstance = {
    enable = mkEnableOption "the ccc (Claude Code Cloud) machine: the claude user, Claude Code and instance metadata";

    instanceId = mkOption {
      type = types.str;
      example = "ccc-k7x2mq";
      description = "The ccc instance id (`ccc-` and six of `abcdefghijkmnpqrstuvwxyz23456789`); also the host name.";
    };

    userSshKey = mkOption {
      type = types.str;
      example = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA... alice@laptop";
      description = "The owner's OpenSSH public key (one line), authorized for the `claude` user.";
    };

    extraSshKeys = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "More OpenSSH public keys (one line each) for the `claude` user, for team access.";
    };

    expiresAt = mkOption {
      type = types.str;
      example = "2026-11-25T12:00:00Z";
      description = "When ccc deletes this machine, as ISO 8601 in UTC (`YYYY-MM-DDTHH:MM:SSZ`).";
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      {
        assertion = isOneLineKey cfg.userSshKey;
        message = "services.cloudInstance.userSshKey must be a non-empty, single-line OpenSSH public key.";
      }
      {
        assertion = lib.all isOneLineKey cfg.extraSshKeys;
        message = "services.cloudInstance.extraSshKeys must hold non-empty, single-line OpenSSH public keys.";
      }
      {
        assertion = matches idPattern cfg.instanceId;
        message = "services.cloudInstance.instanceId must look like ccc-k7x2mq (`^${idPattern}$`), got \"${cfg.instanceId}\".";
      }
      {
        assertion = matches expiryPattern cfg.expiresAt;
        message = "services.cloudInstance.expiresAt must be ISO 8601 in UTC like 2026-11-25T12:00:00Z, got \"${cfg.expiresAt}\".";
      }
    ];

    networking.hostName = lib.mkDefault cfg.instanceId;

    users.users.claude = {
      isNormalUser = true;
      home = "/home/claude";
      description = "Claude Code Cloud user";
      extraGroups = [ "wheel" ];
      openssh.authorizedKeys.keys = allKeys;
    };
    # It is the user's own machine for a few hours: sudo without a password (there is none to type).
    security.sudo.wheelNeedsPassword = false;

    services.openssh = {
      enable = true;
      settings = {
        PasswordAuthentication = false;
        KbdInteractiveAuthentication = false;
        PermitRootLogin = "prohibit-password";
      };
    };

    environment.etc = {
      "cloud-instance/instance-id".text = cfg.instanceId + "\n";
      "cloud-instance/expires-at".text = cfg.expiresAt + "\n";
      "cloud-instance/metadata.json".text =
        builtins.toJSON { inherit (cfg) instanceId expiresAt; } + "\n";
      "cloud-instance/CLAUDE.md".text = claudeContext;
    };

    # Claude Code reads ~/.claude/CLAUDE.md as the user's own context. A link into /etc follows
    # rebuilds; `L` (not `L+`) leaves it alone if the user replaced it with their own file.
    systemd.tmpfiles.rules = [
      "d /home/claude/.claude 0700 claude users - -"
      "L /home/claude/.claude/CLAUDE.md - - - - /etc/cloud-instance/CLAUDE.md"
    ];

    users.motd = ''

      Claude Code Cloud machine ${cfg.instanceId}
      Expires at ${cfg.expiresAt}; run `ccc-time-left` to see how long is left.
      Everything here is deleted at expiry: push your work.

    '';
    # The motd is static; show the live countdown on interactive SSH logins (not in every tmux pane).
    environment.loginShellInit = ''
      if [ -n "''${SSH_TTY-}" ] && [ -z "''${TMUX-}" ]; then
        ccc-time-left || true
      fi
    '';

    nixpkgs.config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ "claude-code" ];

    environment.systemPackages = [
      pkgs.claude-code
      pkgs.git
      pkgs.tmux
      pkgs.vim
      pkgs.ripgrep
      pkgs.nodejs
      timeLeft
    ];

    nix.settings = {
      experimental-features = [
        "nix-command"
        "flakes"
      ];
      trusted-users = [ "claude" ];
    };
  };
}
