#!/bin/sh
# Builds the server into $1, or $ROOT/build/<folder name>/ when no argument.
# Works as root with no HOME (CI): the Go caches live under $ROOT/build/.
set -eu
DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$DIR/../../.." && pwd)
OUT=${1:-$ROOT/build/$(basename "$DIR")}
mkdir -p "$OUT"
export GOCACHE="${GOCACHE:-$ROOT/build/.go/cache}"
export GOPATH="${GOPATH:-$ROOT/build/.go/path}"
export CGO_ENABLED=0
cd "$DIR"
exec go build -trimpath -o "$OUT/server" .
