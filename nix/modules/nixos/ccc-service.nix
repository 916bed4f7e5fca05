# services.ccc: the ccc Slack bot (which also runs the expiry, reminder and reconcile jobs) as a hardened
# systemd service. The flake exports it as nixosModules.ccc with `package` already set; see the README,
# "Operations".
{
  config,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib)
    literalExpression
    mkDefault
    mkEnableOption
    mkIf
    mkOption
    types
    ;
  cfg = config.services.ccc;

  # Never in `settings`: they would land in the world-readable Nix store.
  secretNames = [
    "HCLOUD_TOKEN"
    "SLACK_BOT_TOKEN"
    "SLACK_APP_TOKEN"
    "SLACK_SIGNING_SECRET"
    "CCC_METRICS_TOKEN"
  ];
  # Set by the module itself from its own options.
  ownNames = [ "CCC_OPERATOR_SSH_KEY" ];
  # systemd's fixed place for LoadCredential= files: the key stays root-only where the operator keeps it.
  credentials = "/run/credentials/ccc.service";
  stateDirName = lib.removePrefix "/var/lib/" cfg.stateDir;

  # What the bot and the operators' `ccc` share: the database, settings and HOME.
  environment = {
    CCC_DB_PATH = "${cfg.stateDir}/ccc.db";
    HOME = cfg.stateDir;
    NODE_ENV = "production";
    # nixos-anywhere evaluates the machine's flake with the local Nix.
    NIX_CONFIG = "experimental-features = nix-command flakes";
  }
  // lib.mapAttrs (_: toString) cfg.settings;

  # `ccc` on PATH for operators: each command runs as the service's user with its settings file,
  # database and operator key, as a transient unit, so it never opens another database or leaves files
  # owned by root. As root: `sudo ccc list --all`.
  cccCli = pkgs.writeShellScriptBin "ccc" ''
    set -euo pipefail
    if [ "$(id -u)" -ne 0 ]; then
      echo "ccc: run it as root (sudo ccc …): it starts the command as the service's user with systemd-run" >&2
      exit 2
    fi
    unit="ccc-cli-$$"
    io=(--pipe)
    if [ -t 0 ] && [ -t 1 ]; then io=(--pty); fi
    zone=()
    if [ -n "''${TZ:-}" ]; then zone=(-E "TZ=$TZ"); fi
    exec ${config.systemd.package}/bin/systemd-run --quiet --wait --collect --service-type=exec "''${io[@]}" --unit="$unit" \
      -p User=${cfg.user} \
      -p Group=${cfg.group} ${lib.optionalString (cfg.environmentFile != null) "-p EnvironmentFile=${cfg.environmentFile}"} \
      -p LoadCredential=operator-key:${cfg.operatorKeyFile} \
      -p LoadCredential=operator-key.pub:${cfg.operatorKeyFile}.pub \
      -p StateDirectory=${stateDirName} \
      -p WorkingDirectory=${cfg.stateDir} \
      -p UMask=0077 \
      ${lib.concatMapStringsSep " " (name: "-E ${lib.escapeShellArg "${name}=${environment.${name}}"}") (lib.attrNames environment)} \
      -E PATH=${lib.makeBinPath cfg.path} \
      -E "CCC_OPERATOR_SSH_KEY=/run/credentials/$unit.service/operator-key" \
      -E "CCC_OPERATOR_NAME=''${CCC_OPERATOR_NAME:-''${SUDO_USER:-$(id -un)}}" \
      "''${zone[@]}" \
      ${lib.getExe' cfg.package "ccc"} "$@"
  '';
in
{
  options.services.ccc = {
    enable = mkEnableOption "ccc (Claude Code Cloud), the Slack bot that hands out ephemeral NixOS machines";

    package = mkOption {
      type = types.package;
      description = ''
        The ccc package; its `bin/ccc-bot` runs the bot (`node bin/ccc-bot.js`). The flake's
        `nixosModules.ccc` sets it to the project built with nixpkgs' `buildNpmPackage`.
      '';
    };

    settings = mkOption {
      type = types.attrsOf (types.either types.str types.int);
      default = { };
      example = {
        CCC_ADMINS = "U012AB3CD,U045EF6GH";
        CCC_DEFAULT_LOCATION = "hel1";
        CCC_MAX_HOURS = 8;
      };
      description = ''
        Settings from the README's tables, as environment variables. They end up in the world-readable
        Nix store: tokens and secrets go in `environmentFile`.
      '';
    };

    environmentFile = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "/run/secrets/ccc.env";
      description = ''
        `NAME=value` lines for the secrets (`HCLOUD_TOKEN`, `SLACK_BOT_TOKEN`, and `SLACK_APP_TOKEN` or
        `SLACK_SIGNING_SECRET`), read by systemd as root before the bot starts: keep it mode 0600 and
        outside the Nix store.
      '';
    };

    operatorKeyFile = mkOption {
      type = types.str;
      example = "/etc/ccc/operator";
      description = ''
        The operator's private SSH key, with `<path>.pub` beside it, outside the Nix store. systemd
        hands the bot a copy of both (`LoadCredential=`), so they may stay owned by root with mode 0600.
      '';
    };

    stateDir = mkOption {
      type = types.str;
      default = "/var/lib/ccc";
      description = ''
        The database (`ccc.db`), per-instance flakes and installer logs; also the bot's HOME (Nix's cache,
        ssh's files). A systemd `StateDirectory`, so it must be under /var/lib.
      '';
    };

    path = mkOption {
      type = types.listOf types.package;
      default = [
        pkgs.nixos-anywhere
        pkgs.openssh
        config.nix.package
      ];
      defaultText = literalExpression "[ pkgs.nixos-anywhere pkgs.openssh config.nix.package ]";
      description = "Programs on the bot's PATH: the installer it runs, and what that runs.";
    };

    user = mkOption {
      type = types.str;
      default = "ccc";
      description = "The account the bot runs as; created when left at `ccc`.";
    };

    group = mkOption {
      type = types.str;
      default = "ccc";
      description = "The bot's group; created when left at `ccc`.";
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      {
        assertion = lib.hasPrefix "/var/lib/" cfg.stateDir && stateDirName != "";
        message = "services.ccc.stateDir must be a directory under /var/lib, got \"${cfg.stateDir}\".";
      }
      {
        assertion = !lib.hasPrefix builtins.storeDir cfg.operatorKeyFile;
        message = "services.ccc.operatorKeyFile must not be in the Nix store, where every user can read it.";
      }
      {
        assertion = cfg.environmentFile == null || !lib.hasPrefix builtins.storeDir cfg.environmentFile;
        message = "services.ccc.environmentFile must not be in the Nix store, where every user can read it.";
      }
      {
        assertion = lib.intersectLists (secretNames ++ ownNames) (lib.attrNames cfg.settings) == [ ];
        message = "services.ccc.settings must not set ${lib.concatStringsSep ", " (lib.intersectLists (secretNames ++ ownNames) (lib.attrNames cfg.settings))}: secrets go in environmentFile, the key in operatorKeyFile.";
      }
    ];

    users.users = mkIf (cfg.user == "ccc") {
      ccc = {
        isSystemUser = true;
        inherit (cfg) group;
        home = cfg.stateDir;
        description = "ccc (Claude Code Cloud) bot";
      };
    };
    users.groups = mkIf (cfg.group == "ccc") { ccc = { }; };

    environment.systemPackages = [ cccCli ];

    systemd.services.ccc = {
      description = "ccc (Claude Code Cloud) Slack bot";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      after = [ "network-online.target" ];
      inherit (cfg) path;
      environment = environment // {
        CCC_OPERATOR_SSH_KEY = "${credentials}/operator-key";
      };
      serviceConfig = {
        # node itself is the main process (the wrapper execs it), so systemd's SIGTERM reaches the bot.
        ExecStart = lib.getExe' cfg.package "ccc-bot";
        WorkingDirectory = cfg.stateDir;
        User = cfg.user;
        Group = cfg.group;
        EnvironmentFile = lib.optional (cfg.environmentFile != null) cfg.environmentFile;
        LoadCredential = [
          "operator-key:${cfg.operatorKeyFile}"
          "operator-key.pub:${cfg.operatorKeyFile}.pub"
        ];
        StateDirectory = stateDirName;
        StateDirectoryMode = "0700";
        Restart = "on-failure";
        RestartSec = 5;
        # Exit 2 is a refusal to start that a restart cannot mend (a setting missing, a build older than
        # src/, an unknown schema): the journal says what to run, and systemd stops instead of looping.
        RestartPreventExitStatus = 2;
        # SIGTERM to the bot and its installers: the bot stops taking requests, records the installs that
        # stopped (their servers deleted) and exits; whatever is left after the timeout is killed, and the
        # next start's reconcile finishes the job.
        KillSignal = "SIGTERM";
        TimeoutStopSec = 60;
      }
      // lib.mapAttrs (_: mkDefault) {
        UMask = "0077";
        NoNewPrivileges = true;
        ProtectSystem = "strict";
        ProtectHome = true;
        PrivateTmp = true;
        PrivateDevices = true;
        PrivateMounts = true;
        # Only the bot's own processes in /proc (nix and ssh read their own /proc/self), and no kernel tunables there.
        ProtectProc = "invisible";
        ProcSubset = "pid";
        RemoveIPC = true;
        ReadWritePaths = [ cfg.stateDir ];
        CapabilityBoundingSet = "";
        # Slack, Hetzner and SSH over IP; the Nix daemon over its Unix socket.
        RestrictAddressFamilies = [
          "AF_UNIX"
          "AF_INET"
          "AF_INET6"
        ];
        # Neither node, nix's client nor ssh changes identity, ownership, priorities or limits. A call outside
        # the filter fails with EPERM instead of killing the process: node's start-up raises its file limit
        # (setrlimit) and carries on when it may not.
        SystemCallFilter = [
          "@system-service"
          "~@privileged @resources"
        ];
        SystemCallErrorNumber = "EPERM";
        SystemCallArchitectures = "native";
        ProtectKernelTunables = true;
        ProtectKernelModules = true;
        ProtectKernelLogs = true;
        ProtectControlGroups = true;
        ProtectClock = true;
        ProtectHostname = true;
        RestrictNamespaces = true;
        RestrictRealtime = true;
        RestrictSUIDSGID = true;
        LockPersonality = true;
        # Not MemoryDenyWriteExecute: V8 compiles JavaScript to machine code at run time.
      };
    };
  };
}
