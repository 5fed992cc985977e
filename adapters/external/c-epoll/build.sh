#!/bin/sh
# Builds the c-epoll echo server and the native flood client into $1, or
# $ROOT/build/c-epoll/ when no argument: $OUT/server and $OUT/flood.
# Plain C, no libraries beyond libc (and libm); set CC to use another compiler.
# Rebuilds only what is older than its sources, so running it again is instant.
set -eu
DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$DIR/../../.." && pwd)
OUT=${1:-$ROOT/build/c-epoll}
CC=${CC:-cc}
mkdir -p "$OUT"

build() {
  target=$OUT/$1
  source=$DIR/$1.c
  if [ -x "$target" ] && [ ! "$source" -nt "$target" ] && [ ! "$DIR/pattern.h" -nt "$target" ] \
    && [ ! "$DIR/build.sh" -nt "$target" ]; then
    return 0
  fi
  # Build beside the target and rename, so a running copy is never half-written.
  $CC -O2 -Wall -Wextra -Werror -o "$target.tmp.$$" "$source" -lm
  mv -f "$target.tmp.$$" "$target"
}

build server
build flood
