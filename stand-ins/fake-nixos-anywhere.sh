#!/bin/sh
# Stands in for nixos-anywhere: records its argv, the names (never the values) of its environment
# variables, the instance.json and flake.nix of the flake it was given and its --extra-files tree (paths
# and modes), which it copies, modes kept, to `targets/<host>/` in FAKE_NIXOS_ANYWHERE_DIR: the root of
# the "machine", as nixos-anywhere copies it onto the new system. Then it behaves as `behavior.sh` there
# says (fake-installer.ts writes it): a held installer runs until the test writes the `released` file
# there, or ccc stops it. A shell script, not Node: the suite installs well over a hundred machines and
# a Node start costs each about a tenth of a second of CPU.
# Each run is one folder under calls/, named by the time it was recorded, moved into place once complete.
set -eu
dir=${FAKE_NIXOS_ANYWHERE_DIR:?FAKE_NIXOS_ANYWHERE_DIR is not set}
flake='' extra='' host='' previous=''
for arg in "$@"; do
  case $previous in
    --flake) flake=$arg ;;
    --extra-files) extra=$arg ;;
    --target-host) host=${arg##*@} ;;
  esac
  previous=$arg
done
flake=${flake#path:}
flake=${flake%%#*}

mkdir -p "$dir/calls"
call=$(mktemp -d "$dir/calls/.running-XXXXXX")
env -0 | sed -z 's/=.*//' >"$call/env-names"
if [ $# -gt 0 ]; then printf '%s\0' "$@" >"$call/argv"; else : >"$call/argv"; fi
for name in instance.json flake.nix; do
  if [ -f "$flake/$name" ]; then cp "$flake/$name" "$call/$name"; fi
done
if [ -n "$extra" ] && [ -e "$extra" ]; then
  find "$extra" -printf '%P\0%y\0%m\0' >"$call/extra-files"
  mkdir -p "$dir/targets/$host"
  cp -a "$extra/." "$dir/targets/$host/"
fi
mv "$call" "$dir/calls/$(date +%s%N)-${call##*-}"

output='### Installing NixOS ###' error_output='error: installation failed'
exit_code=0 sleep_seconds=0 held=''
if [ -f "$dir/behavior.sh" ]; then . "$dir/behavior.sh"; fi
printf '%s\n' "$output"

# Waits in the background so that a SIGTERM from ccc stops the wait too, then ends this run by it.
pid=''
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || :; fi; trap - TERM; kill -TERM $$' TERM
nap() {
  sleep "$1" &
  pid=$!
  wait "$pid" || :
  pid=''
}
if [ "$sleep_seconds" != 0 ]; then nap "$sleep_seconds"; fi
if [ -n "$held" ]; then
  while [ ! -e "$dir/released" ]; do nap 0.02; done
fi
if [ "$exit_code" != 0 ]; then printf '%s\n' "$error_output" >&2; fi
exit "$exit_code"
