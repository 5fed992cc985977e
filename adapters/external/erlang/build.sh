#!/bin/sh
# Compiles echo.erl into $1, or $ROOT/build/erlang/ when no argument.
# erlang-nodelay runs this same script with its own {build}.
set -eu
DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$DIR/../../.." && pwd)
OUT=${1:-$ROOT/build/$(basename "$DIR")}
mkdir -p "$OUT"
exec erlc -o "$OUT" "$DIR/echo.erl"
