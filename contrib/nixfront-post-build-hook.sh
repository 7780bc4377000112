#!/bin/sh
# A Nix post-build-hook that hands each build's outputs to `nixfront watch-store --queue DIR`.
#
# Nix runs the hook after every build and waits for it before it goes on, so the hook only writes a
# file and returns; the watcher pushes. The file is written under a dot-name and renamed, so the
# watcher never reads half of it. In /etc/nix/nix.conf:
#
#   post-build-hook = /etc/nix/nixfront-post-build-hook.sh
#
# and run `nixfront watch-store CACHE --queue /var/lib/nixfront/queue` as a service. Set
# NIXFRONT_QUEUE for another directory (it must exist and be writable by the Nix daemon).
set -eu
queue="${NIXFRONT_QUEUE:-/var/lib/nixfront/queue}"
[ -n "${OUT_PATHS:-}" ] || exit 0
tmp="$queue/.tmp.$$"
# Word splitting is wanted: OUT_PATHS is space-separated store paths.
# shellcheck disable=SC2086
printf '%s\n' $OUT_PATHS > "$tmp"
mv "$tmp" "$queue/$(date +%s%N).$$"
