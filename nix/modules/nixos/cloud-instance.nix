# What every ccc machine is: the `claude` user with the owner's SSH keys, Claude Code and tools,
# and the instance's identity and expiry under /etc/cloud-instance/. The values that change after the
# install (owner's keys, expiry, the work volume, extras installed later) live in /var/lib/cloud-instance/:
# seeded from the install-time values on the first boot, rewritten by `ccc-apply` when ccc pushes a change
# (see nix/README.md).
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

  # ccc-apply writes these; nothing under it is Nix-managed after the first boot.
  stateDir = "/var/lib/cloud-instance";
  # Written by `ccc-apply` from a ccc-secrets document; the format is in docs/secrets.md.
  secretsFile = "/run/ccc/secrets.env";
  claudeTemplate = ../../CLAUDE.cloud-instance.md;
  # Where ccc-apply mounts the owner's work volume; the volume and any later extras are never known at
  # install time, so the seeds below name only the system's own extras.
  workMount = "/home/claude/work";
  # Guests shared without sudo (`ccc share --no-sudo`) log in to one of these, with the key ccc-apply
  # writes to authorized_keys.d/<account>; the work folder is shared with them through workGroup.
  guestAccounts = map (n: "ccc-guest-${toString n}") (lib.range 1 7);
  workGroup = "ccc-work";
  extrasLine = lib.optionalString (cfg.extraPackages != [ ]) (
    "Extra software: ${lib.concatStringsSep ", " cfg.extraPackages}\n"
  );
  extrasContext = lib.optionalString (cfg.extraPackages != [ ]) (
    "- Extra software chosen for this machine: ${
      lib.concatMapStringsSep ", " (name: "`${name}`") cfg.extraPackages
    }.\n"
  );

  # The first boot's contents of stateDir. ccc-apply renders exactly the same texts from its document
  # (test/nix/ccc-apply.test.ts holds the two side by side).
  seedFiles = {
    "authorized_keys" = lib.concatMapStrings (key: key + "\n") allKeys;
    "expires-at" = cfg.expiresAt + "\n";
    "metadata.json" = builtins.toJSON { inherit (cfg) instanceId expiresAt; } + "\n";
    motd = ''

      Claude Code Cloud machine ${cfg.instanceId}
      Expires at ${cfg.expiresAt}; run `ccc-time-left` to see how long is left.
      ${extrasLine}Everything here is deleted at expiry: push your work.

    '';
    "CLAUDE.md" =
      builtins.replaceStrings
        [ "@instanceId@" "@expiresAt@" "@workVolume@\n" "@extraPackages@\n" ]
        [ cfg.instanceId cfg.expiresAt "" extrasContext ]
        (builtins.readFile claudeTemplate);
  };

  # The tools it runs (mount, findmnt, runuser, chown, nix; setfacl for the work folder, journalctl for
  # sshd's log of which key each session used; systemd-run and systemctl for task units, git and the
  # credential helper for a task's push) come first on PATH, as pinned as the script. A task's runner,
  # ccc-task-run.mjs, ships beside it (the whole packages folder is copied, so it reads the secrets file with
  # ccc-user's parser) and runs with the same Node.js, as claude, with this PATH (which
  # reaches Claude Code and git in the system profile below).
  cccApply = pkgs.writeShellScriptBin "ccc-apply" ''
    export PATH=${
      lib.makeBinPath [
        pkgs.util-linux
        pkgs.coreutils
        config.nix.package
        pkgs.git
        gitCredential
        pkgs.acl
        config.systemd.package
      ]
    }:$PATH
    exec ${pkgs.nodejs}/bin/node ${../../packages}/ccc-apply/ccc-apply.mjs "$@"
  '';

  # The claude user's side of "ready to code" (nix/packages/ccc-user): Claude Code's first-run state, and
  # git's credential helper reading the owner's tokens from /run/ccc/secrets.env (never a URL or .git/config).
  userTools = ../../packages/ccc-user;
  claudeSetup = pkgs.writeShellScriptBin "ccc-claude-setup" ''
    export CCC_CLAUDE_VERSION=${pkgs.claude-code.version or ""}
    exec ${pkgs.nodejs}/bin/node ${userTools}/ccc-claude-setup.mjs "$@"
  '';
  gitCredential = pkgs.writeShellScriptBin "git-credential-ccc" ''
    exec ${pkgs.nodejs}/bin/node ${userTools}/git-credential-ccc.mjs "$@"
  '';

  # Tells ccc's idle check that background work counts (a long build): `ccc-keep-awake 3` keeps the
  # machine from hibernating for three hours; `ccc-keep-awake off` ends that. ccc-apply --activity reads
  # the deadline; the person sees it in `ccc status`.
  keepAwake = pkgs.writeShellScriptBin "ccc-keep-awake" ''
    set -eu
    file="$HOME/.ccc-keep-awake-until"
    case "''${1-2}" in
      off) ${pkgs.coreutils}/bin/rm -f "$file"; echo "Keep-awake ended: this machine may hibernate when idle." ;;
      *[!0-9]*|"") echo "usage: ccc-keep-awake [hours, 1-24 (default 2)] | off" >&2; exit 2 ;;
      *)
        hours="''${1-2}"
        if [ "$hours" -lt 1 ] || [ "$hours" -gt 24 ]; then echo "usage: ccc-keep-awake [hours, 1-24]" >&2; exit 2; fi
        ${pkgs.coreutils}/bin/date -u -d "+$hours hours" +%Y-%m-%dT%H:%M:%SZ > "$file"
        echo "Kept awake until $(${pkgs.coreutils}/bin/cat "$file"): ccc will not hibernate it for idleness before then." ;;
    esac
  '';
  timeLeft = pkgs.writeShellScriptBin "ccc-time-left" ''
    set -eu
    expires=$(${pkgs.coreutils}/bin/cat ${stateDir}/expires-at)
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
  imports = [ ./cloud-instance-software.nix ];

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
      description = "When ccc deletes this machine at install time, as ISO 8601 in UTC (`YYYY-MM-DDTHH:MM:SSZ`); `ccc-apply` moves it later.";
    };

    seedFiles = mkOption {
      type = types.attrsOf types.str;
      readOnly = true;
      internal = true;
      default = seedFiles;
      description = "The install-time contents of ${stateDir}, copied there once by systemd-tmpfiles.";
    };
  };

  config = mkIf cfg.enable (lib.mkMerge [ {
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
      {
        # ccc generates this key before the install (nixos-anywhere --extra-files) and pins it.
        assertion = lib.any (key: key.path == "/etc/ssh/ssh_host_ed25519_key") config.services.openssh.hostKeys;
        message = "services.openssh.hostKeys must keep /etc/ssh/ssh_host_ed25519_key: ccc installs that key and checks the machine by it.";
      }
    ];

    networking.hostName = lib.mkDefault cfg.instanceId;

    users.users.claude = {
      isNormalUser = true;
      home = "/home/claude";
      description = "Claude Code Cloud user";
      extraGroups = [
        "wheel"
        workGroup
        "ccc-secrets"
      ];
      # The guest accounts (group users) may pass through to the work folder; nothing here is theirs to list.
      homeMode = "710";
      openssh.authorizedKeys.keys = allKeys;
    };
    users.groups.${workGroup} = { };
    # Readers of the owner's secrets, which ccc-apply writes to ${secretsFile} (root:ccc-secrets 0440).
    users.groups.ccc-secrets = { };
    # It is the user's own machine for a few hours: sudo without a password (there is none to type).
    # Only wheel (claude) may use it; the guest accounts are not in wheel.
    security.sudo.wheelNeedsPassword = false;
    security.sudo.execWheelOnly = true;

    services.openssh = {
      enable = true;
      settings = {
        PasswordAuthentication = false;
        KbdInteractiveAuthentication = false;
        PermitRootLogin = "prohibit-password";
      };
      # Keyed by user name, so only `claude` gets the keys ccc-apply writes; the install-time keys above
      # stay in /etc/ssh/authorized_keys.d/claude, so an install alone still gives a working machine.
      authorizedKeysFiles = [ "${stateDir}/authorized_keys.d/%u" ];
    };

    environment.etc = {
      "cloud-instance/instance-id".text = cfg.instanceId + "\n";
      # Strings, not Nix paths: links to the live files, never copies into the store.
      "cloud-instance/expires-at".source = "${stateDir}/expires-at";
      "cloud-instance/metadata.json".source = "${stateDir}/metadata.json";
      "cloud-instance/CLAUDE.md".source = "${stateDir}/CLAUDE.md";
      # ccc-apply renders CLAUDE.md from this, as seedFiles does at build time.
      "cloud-instance/CLAUDE.md.in".source = claudeTemplate;
      # GitHub and GitLab over HTTPS take the owner's token from the secrets file; other hosts (an
      # Enterprise server) are added to ~claude/.gitconfig by ccc-apply's workspace document.
      "gitconfig".text = ''
        [credential "https://github.com"]
          helper = ccc github
        [credential "https://gitlab.com"]
          helper = ccc gitlab
      '';
    };

    systemd.tmpfiles.rules = [
      "d ${stateDir} 0755 root root - -"
      "d ${stateDir}/authorized_keys.d 0755 root root - -"
      "L ${stateDir}/authorized_keys.d/claude - - - - ${stateDir}/authorized_keys"
    ]
    # `C` copies only when the file is missing: the first boot, never over what ccc-apply wrote. Real
    # copies, not links into the store: sshd refuses key files under the group-writable /nix/store.
    ++ lib.mapAttrsToList (
      name: text: "C ${stateDir}/${name} 0644 root root - ${pkgs.writeText "cloud-instance-${name}" text}"
    ) seedFiles
    ++ [
      # Claude Code reads ~/.claude/CLAUDE.md as the user's own context. A link into /etc follows
      # changes; `L` (not `L+`) leaves it alone if the user replaced it with their own file.
      "d /home/claude/.claude 0700 claude users - -"
      "L /home/claude/.claude/CLAUDE.md - - - - /etc/cloud-instance/CLAUDE.md"
      # The work folder, the owner's and, through the group, a guest's without sudo; ccc-apply gives it a
      # default ACL (group read and write) when such a guest is let in.
      "d ${workMount} 2770 claude ${workGroup} - -"
      # The owner's secrets live on tmpfs only: gone at every reboot until ccc delivers them again.
      "d /run/ccc 0755 root root - -"
    ];

    # pam_motd reads the file at each login, so the banner shows the live expiry.
    users.motdFile = "${stateDir}/motd";
    # Also show the live countdown on interactive SSH logins (not in every tmux pane).
    environment.loginShellInit = ''
      if [ -n "''${SSH_TTY-}" ] && [ -z "''${TMUX-}" ]; then
        ccc-time-left || true
      fi
      # The owner's secrets as environment variables, Claude Code signed in, the repository's devShell.
      if [ "''${USER-}" = claude ]; then
        . ${userTools}/ccc-login.sh
      fi
    '';

    environment.systemPackages = [
      pkgs.claude-code
      pkgs.git
      pkgs.tmux
      pkgs.vim
      pkgs.ripgrep
      pkgs.nodejs
      timeLeft
      claudeSetup
      gitCredential
      keepAwake
    ];
    # Only root runs it (ccc, as `ssh root@<ip> ccc-apply`): on root's PATH, not everyone's.
    users.users.root.packages = [ cccApply ];

    # ccc-apply mounts the work volume live and records it in volume.json; this mounts it again after a
    # reboot. Not ordered before sshd: a volume that is gone must not keep the owner out.
    systemd.services.ccc-work-volume = {
      description = "Mount the owner's work volume at ${workMount}";
      after = [ "local-fs.target" ];
      wantedBy = [ "multi-user.target" ];
      unitConfig.ConditionPathExists = "${stateDir}/volume.json";
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        ExecStart = "${cccApply}/bin/ccc-apply --mount-volume";
      };
    };

    nix.settings = {
      experimental-features = [
        "nix-command"
        "flakes"
      ];
      trusted-users = [ "claude" ];
    };
  }
  {
    users.users = lib.genAttrs guestAccounts (_: {
      # Not in wheel: no sudo, no root. Not a trusted Nix user either (that would be root by another door).
      isNormalUser = true;
      description = "ccc guest without sudo";
      extraGroups = [ workGroup ];
    });
  }
  ]);
}
