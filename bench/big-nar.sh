#!/usr/bin/env bash
# Benchmark (not a test): push one store path with a ~2 GiB NAR to the local nixfront stack with the
# CLI's heap capped at 256 MiB (-Xmx256m: a NAR is streamed, never held), side by side with what a Nix
# user would run to write the same path to a binary cache on disk with zstd,
# `nix copy --to 'file://DIR?compression=zstd'`. Prints a Markdown table: wall time, CPU seconds and
# the CLI's peak resident memory (GNU time, if /usr/bin/time is there).
#
#   bench/big-nar.sh              # MB=2048 by default: 60% random bytes, 40% repetitive text
#                                 # needs nix-bin, node, a JDK 21+, ~3x MB free in /tmp and /nix
#
# The path is built fresh (a new seed) and deleted from the store at the end, with everything else.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
megabytes="${MB:-2048}"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
export NIX_CONFIG=$'experimental-features = nix-command\nbuild-users-group =\nsandbox = false\nsubstituters ='
for tool in nix nix-build node; do
  command -v "$tool" >/dev/null || { echo "bench: needs $tool (apt-get install -y nix-bin nodejs)" >&2; exit 1; }
done

work="$(mktemp -d /tmp/nixfront-bignar.XXXXXX)"
pids=()
path=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
  [ -z "$path" ] || nix-store --delete "$path" >/dev/null 2>&1 || true
}
trap cleanup EXIT
export XDG_CACHE_HOME="$work/xdg-cache"
. "$root/bench/lib.sh"

seed="$(date +%s%N)"
random=$(( megabytes * 1024 * 1024 * 3 / 5 ))
text=$(( megabytes * 1024 * 1024 * 2 / 5 ))
cat > "$work/big.nix" <<NIX
derivation {
  name = "big-nar-$seed"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "/usr/bin/mkdir \$out; /usr/bin/head -c $random /dev/urandom > \$out/data.bin; /usr/bin/yes '$seed the quick brown fox jumps over the lazy dog' | /usr/bin/head -c $text > \$out/text.txt" ];
}
NIX
echo "bench: building one path of ~$megabytes MiB ..." >&2
path="$(nix-build "$work/big.nix" --no-out-link --quiet 2>/dev/null)"
nar_bytes="$(nix path-info --json "$path" | tr ',' '\n' | sed -n 's/.*"narSize":\([0-9]*\).*/\1/p')"

echo "bench: building nixfront and starting the local stack ..." >&2
prepare_jars
stack_jvm_opts=()
start_stack local
local_pid=$stack_pid
set -a; . "$work/local/local.env"; set +a
extra_cli_opts=()
nixfront cache create bench --no-default-upstream >/dev/null
nixfront --version >/dev/null # writes the CLI's CDS archive, as ./nixfront's first run does

measure() { # NAME COMMAND...: wall seconds to $NAME_s, CPU seconds to $NAME_cpu, peak RSS (KiB) to $NAME_rss
  local name="$1"; shift
  local t0 t1
  rm -rf "$XDG_CACHE_HOME"
  t0=$(now)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%U %S %M' -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.err"
  else
    { TIMEFORMAT='%U %S -'; time "$@" > "$work/$name.out" 2> "$work/$name.err"; } 2> "$work/$name.time"
  fi
  t1=$(now)
  [ -s "$work/$name.err" ] && sed 's/^/bench: '"$name"': /' "$work/$name.err" | tail -3 >&2
  printf -v "${name}_s" '%s' "$(elapsed "$t0" "$t1")"
  printf -v "${name}_cpu" '%s' "$(tail -1 "$work/$name.time" | awk '{ printf "%.1f", $1 + $2 }')"
  printf -v "${name}_rss" '%s' "$(tail -1 "$work/$name.time" | awk '{ print $3 }')"
}

echo "bench: timing ..." >&2
cpu0=$(cpu_seconds "$local_pid")
extra_cli_opts=(-Xmx256m)
nixfront_command push
measure nf "${nixfront_cmd[@]}" push bench "$path" --json
extra_cli_opts=()
cpu1=$(cpu_seconds "$local_pid")
stack_cpu=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.1f", b - a }')
measure nix nix copy --to "file://$work/filecache?compression=zstd" "$path"
file_bytes="$(sed -n 's/.*"fileBytes":\([0-9]*\).*/\1/p' "$work/nf.out")"
nix_file_bytes="$(du -sb "$work/filecache/nar" | cut -f1)"
mib() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }

cat <<REPORT

one path, $(mib "$nar_bytes") MiB of NAR; $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -1); load average before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%d)

| | nixfront push (CLI -Xmx256m, local stack) | nix copy --to file://...?compression=zstd | ratio | target |
|---|---|---|---|---|
| wall time | ${nf_s} s | ${nix_s} s | $(ratio "$nf_s" "$nix_s") | ≤ 1.5 |
| CPU seconds | CLI ${nf_cpu}, local stack ${stack_cpu} (verifying what was uploaded) | ${nix_cpu} | | |
| peak resident memory of the client | $( [ "$nf_rss" = - ] && echo "not measured" || echo "$(( nf_rss / 1024 )) MiB") | $( [ "$nix_rss" = - ] && echo "not measured" || echo "$(( nix_rss / 1024 )) MiB") | | |
| compressed size | $(mib "$file_bytes") MiB | $(mib "$nix_file_bytes") MiB | | |

nixfront push said: $(cat "$work/nf.out")
REPORT
