# ccc's login hook for the claude user, sourced by the login shell (NixOS environment.loginShellInit).
# 1. The owner's secrets (ccc writes /run/ccc/secrets.env: NAME='value' lines) become environment variables.
# 2. Claude Code's first-run state is written, so `claude` goes straight to the prompt (ccc-claude-setup).
# 3. An interactive SSH login enters the repository's Nix devShell once, when ccc-apply built one
#    (~/.config/ccc/devshell names its folder); `exit` leaves it for the plain shell.
__ccc_secrets=${CCC_SECRETS_FILE:-/run/ccc/secrets.env}
if [ -r "$__ccc_secrets" ]; then
  set -a
  . "$__ccc_secrets"
  set +a
fi
unset __ccc_secrets
if command -v ccc-claude-setup >/dev/null 2>&1; then
  ccc-claude-setup || true
fi
if [ -n "${SSH_TTY-}" ] && [ -z "${TMUX-}" ] && [ -z "${IN_NIX_SHELL-}" ] && [ -z "${CCC_NO_DEVSHELL-}" ] &&
  [ -r "$HOME/.config/ccc/devshell" ]; then
  case $- in
  *i*)
    __ccc_dir=$(cat "$HOME/.config/ccc/devshell")
    if [ -d "$__ccc_dir" ]; then
      echo "Entering the devShell of $__ccc_dir (exit leaves it; CCC_NO_DEVSHELL=1 skips it)"
      cd "$__ccc_dir" && nix develop "$__ccc_dir"
    fi
    unset __ccc_dir
    ;;
  esac
fi
