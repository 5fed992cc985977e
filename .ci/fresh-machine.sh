#!/bin/sh
# Runs a command as on a fresh Debian machine after `npm ci` alone: the Python frameworks (all of
# /usr/lib/python3/dist-packages), Go and Erlang are hidden under empty read-only tmpfs mounts in a
# private mount namespace, so nothing outside it changes. Node, /usr/bin/python3 and a C compiler stay.
#   sh .ci/fresh-machine.sh npm run compare
# Needs root (unshare --mount).
set -eu
if [ "$(id -u)" != 0 ]; then
  echo "fresh-machine.sh: needs root for a private mount namespace (unshare --mount)" >&2
  exit 3
fi
exec unshare --mount --propagation private sh -c '
  for dir in /usr/lib/python3/dist-packages /usr/lib/go-* /usr/lib/erlang; do
    if [ -d "$dir" ]; then mount -t tmpfs -o ro,size=64k fresh-machine "$dir"; fi
  done
  exec "$@"
' fresh-machine "$@"
