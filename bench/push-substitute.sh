#!/usr/bin/env bash
# Benchmark (not a test): push a synthetic closure of ~200 paths / ~250 MB to the local nixfront stack
# and substitute it back, side by side with Nix's own HTTP binary cache upload with zstd
# (`nix copy --to 'http://...?compression=zstd'`) into a PUT-enabled (WebDAV) Debian nginx and
# substitution from that nginx. The cold push is timed twice: on a stack as fast as this machine, and
# on a second stack started with `--latency-ms $LATENCY_MS` (default 20), where every request to S3
# and DynamoDB waits that much more, as AWS's round trips do. Prints a Markdown table.
#
#   bench/push-substitute.sh            # PATHS=200 MB=250 LATENCY_MS=20 by default; XZ=1 adds Nix's default (xz) upload
#                                       # needs nix-bin, nginx (dav module), node, a JDK 21+
#   PROFILE=/tmp/prof bench/push-substitute.sh   # also records JFR profiles of the stack (stack.jfr) and of the
#                                       # cold push's CLI (cli.jfr) there: `jfr view hot-methods /tmp/prof/stack.jfr`
#
# The caches have no upstream (nix copy --to nginx asks none either), and the closure's builds print
# nothing, so push sends no build logs: both sides move the same bytes.
# Each run builds new store paths (a fresh seed), so "cold" really is cold on both sides. Everything
# lives in a temporary directory and every server started here is stopped on exit.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
paths="${PATHS:-200}"
megabytes="${MB:-250}"
latency_ms="${LATENCY_MS:-20}"
with_xz="${XZ:-0}"
profile="${PROFILE:-}"
stack_jfr=(); cli_jfr=()
if [ -n "$profile" ]; then
  mkdir -p "$profile"; profile="$(cd "$profile" && pwd)"
  stack_jfr=("-XX:StartFlightRecording=filename=$profile/stack.jfr,settings=profile,dumponexit=true")
  cli_jfr=("-XX:StartFlightRecording=filename=$profile/cli.jfr,settings=profile,dumponexit=true")
fi
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
export NIX_CONFIG=$'experimental-features = nix-command\nbuild-users-group =\nsandbox = false\nsubstituters ='

for tool in nix nix-build nginx node curl; do
  command -v "$tool" >/dev/null || { echo "bench: needs $tool (apt-get install -y nix-bin nginx-light nodejs curl)" >&2; exit 1; }
done
nginx -V 2>&1 | grep -q -- --with-http_dav_module || { echo "bench: this nginx has no WebDAV module (PUT)" >&2; exit 1; }

work="$(mktemp -d /tmp/nixfront-bench.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# Nix remembers narinfo lookups in ~/.cache/nix: a private cache dir keeps runs independent.
export XDG_CACHE_HOME="$work/xdg-cache"

. "$root/bench/lib.sh"

# --- 1. the closure: $paths derivations, random (incompressible) and text (compressible) data of
#        varied sizes, each referencing up to three earlier ones; one root references them all.
seed="$(date +%s%N)"
expr="$work/closure.nix"
{
  echo 'let'
  echo '  mk = i: random: text: refs: derivation {'
  echo '    name = "bench-${toString i}"; system = builtins.currentSystem; builder = "/bin/sh";'
  echo "    args = [ \"-c\" ''"
  echo '      /usr/bin/mkdir $out'
  echo '      /usr/bin/head -c ${toString random} /dev/urandom > $out/data.bin'
  echo "      /usr/bin/yes \"$seed \${toString i} the quick brown fox jumps over the lazy dog\" | /usr/bin/head -c \${toString text} > \$out/text.txt"
  echo '      echo ${toString refs} > $out/refs'
  echo "    '' ];"
  echo '  };'
  total=0
  budget=$(( megabytes * 1024 * 1024 ))
  for ((i = 0; i < paths; i++)); do
    # one path in 20 is big, one in 5 medium, the rest small; +-25% jitter; scaled to the budget below
    if (( i % 20 == 0 )); then weight=40; elif (( i % 5 == 0 )); then weight=8; else weight=2; fi
    weight=$(( weight * (75 + (i * 37) % 51) ))
    weights[i]=$weight; total=$(( total + weight ))
  done
  for ((i = 0; i < paths; i++)); do
    size=$(( budget / total * weights[i] ))
    refs=""
    for back in 1 3 7; do (( i - back >= 0 )) && refs="$refs p$(( i - back ))"; done
    echo "  p$i = mk $i $(( size * 3 / 5 )) $(( size * 2 / 5 )) [$refs ];"
  done
  echo "  root = mk $paths 16 16 [ $(for ((i = 0; i < paths; i++)); do printf 'p%d ' "$i"; done)];"
  echo 'in root'
} > "$expr"
echo "bench: building $paths paths (~$megabytes MB) ..." >&2
closure="$(nix-build "$expr" --no-out-link --quiet 2>/dev/null)"
count="$(nix-store -qR "$closure" | wc -l)"
nar_bytes="$(nix path-info -r --json "$closure" | tr ',' '\n' | sed -n 's/.*"narSize":\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s }')"

# --- 2. the local nixfront stack and a cache. The jars are copied first: a build running beside the
#        benchmark must not swap classes under the running JVMs (dynalite is found via node_modules).
echo "bench: building nixfront and starting the local stack ..." >&2
prepare_jars
stack_jvm_opts=("${stack_jfr[@]}")
start_stack local
local_pid=$stack_pid
start_stack far --latency-ms "$latency_ms"
set -a; . "$work/far/local.env"; set +a
far_server="$NIXFRONT_SERVER"; far_token="$NIXFRONT_TOKEN"
set -a; . "$work/local/local.env"; set +a
extra_cli_opts=()
NIXFRONT_SERVER="$far_server" NIXFRONT_TOKEN="$far_token" nixfront cache create bench --no-default-upstream >/dev/null
nixfront cache create bench --no-default-upstream >/dev/null
cache_url="$NIXFRONT_CACHE_URL/bench"
# A user's first push after installing or rebuilding nixfront also writes the CLI's CDS archive
# (./nixfront: -XX:+AutoCreateSharedArchive), once and not again; here that first push takes one
# tiny path of its own into a cache of its own, so the timed pushes run as every later push does.
prime="$(nix-build -E "derivation { name = \"bench-prime\"; system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" \"echo $seed > \$out\" ]; }" --no-out-link --quiet 2>/dev/null)"
nixfront cache create prime --no-default-upstream >/dev/null
nixfront push prime "$prime" >/dev/null 2>&1
cache_key="$(nixfront cache info bench --json | sed -n 's/.*"publicKey":"\([^"]*\)".*/\1/p')"

# --- 3. nginx with WebDAV PUT, signed by Nix with its own key
nginx_port="$(free_port)"
mkdir -p "$work/nginx/root" "$work/nginx/tmp" "$work/nginx/logs"
mkdir -p "$work/nginx/root/zstd"
printf 'StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n' | tee "$work/nginx/root/nix-cache-info" > "$work/nginx/root/zstd/nix-cache-info"
cat > "$work/nginx/nginx.conf" <<NGINX
$( [ "$(id -u)" = 0 ] && echo "user root;" )
worker_processes 2;
error_log $work/nginx/logs/error.log;
pid $work/nginx/nginx.pid;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $work/nginx/tmp;
  proxy_temp_path $work/nginx/tmp; fastcgi_temp_path $work/nginx/tmp; uwsgi_temp_path $work/nginx/tmp; scgi_temp_path $work/nginx/tmp;
  sendfile on;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/nginx/root;
    client_max_body_size 0;
    dav_methods PUT;
    create_full_put_path on;
    dav_access user:rw group:r all:r;
  }
}
NGINX
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' 2>"$work/nginx/logs/stderr" &
pids+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$nginx_port") 2>/dev/null && break; sleep 0.05; done
nix-store --generate-binary-cache-key bench-nginx-1 "$work/nginx.sk" "$work/nginx.pk"
nginx_url="http://127.0.0.1:$nginx_port"

substitute() { # URL KEY STORE
  rm -rf "$XDG_CACHE_HOME"
  nix copy --from "$1" --store "$3" --option trusted-public-keys "$2" --option narinfo-cache-negative-ttl 0 "$closure"
}

echo "bench: timing ..." >&2
TIMEFORMAT='%U %S'
cpu0=$(cpu_seconds "$local_pid"); jvm0=$(cpu_seconds "$local_pid" self)
extra_cli_opts=("${cli_jfr[@]}")
t0=$(now); { time nixfront push bench "$closure" > "$work/push-cold.txt" 2>/dev/null; } 2> "$work/push-cold.cpu"; t1=$(now); nf_cold=$(elapsed "$t0" "$t1")
extra_cli_opts=()
cpu1=$(cpu_seconds "$local_pid"); jvm1=$(cpu_seconds "$local_pid" self)
nf_cold_server_cpu=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.1f", b - a }')
nf_cold_jvm_cpu=$(awk -v a="$jvm0" -v b="$jvm1" 'BEGIN { printf "%.1f", b - a }')
nf_cold_cli_cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$work/push-cold.cpu")
t0=$(now); nixfront push bench "$closure" > "$work/push-warm.txt" 2>/dev/null; t1=$(now); nf_warm=$(elapsed "$t0" "$t1")
# The same closure into a second cache of the same stack: as cold for the cache (every NAR uploaded
# and verified again), but on a JVM the first push warmed up (its JIT compiled what a push runs).
nixfront cache create bench2 --no-default-upstream >/dev/null
cpu0=$(cpu_seconds "$local_pid"); jvm0=$(cpu_seconds "$local_pid" self)
t0=$(now); { time nixfront push bench2 "$closure" > /dev/null 2>&1; } 2> "$work/push-again.cpu"; t1=$(now); nf_again=$(elapsed "$t0" "$t1")
cpu1=$(cpu_seconds "$local_pid"); jvm1=$(cpu_seconds "$local_pid" self)
nf_again_server_cpu=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.1f", b - a }')
nf_again_jvm_cpu=$(awk -v a="$jvm0" -v b="$jvm1" 'BEGIN { printf "%.1f", b - a }')
nf_again_cli_cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$work/push-again.cpu")
t0=$(now); NIXFRONT_SERVER="$far_server" NIXFRONT_TOKEN="$far_token" nixfront push bench "$closure" > "$work/push-far.txt" 2>/dev/null; t1=$(now); nf_far=$(elapsed "$t0" "$t1")
t0=$(now); NIXFRONT_SERVER="$far_server" NIXFRONT_TOKEN="$far_token" nixfront push bench "$closure" > /dev/null 2>&1; t1=$(now); nf_far_warm=$(elapsed "$t0" "$t1")
# What a user would run against a plain HTTP cache: zstd, the compression nixfront uses.
rm -rf "$XDG_CACHE_HOME"
t0=$(now); { time nix copy --to "$nginx_url/zstd?compression=zstd&secret-key=$work/nginx.sk" "$closure"; } 2> "$work/nix-cold.cpu"; t1=$(now); nixz_cold=$(elapsed "$t0" "$t1")
nixz_cold_cpu=$(tail -1 "$work/nix-cold.cpu" | awk '{ printf "%.1f", $1 + $2 }')
rm -rf "$XDG_CACHE_HOME"
t0=$(now); nix copy --to "$nginx_url/zstd?compression=zstd&secret-key=$work/nginx.sk" "$closure"; t1=$(now); nixz_warm=$(elapsed "$t0" "$t1")
if [ "$with_xz" = 1 ]; then
  rm -rf "$XDG_CACHE_HOME"
  t0=$(now); nix copy --to "$nginx_url?secret-key=$work/nginx.sk" "$closure"; t1=$(now); nix_cold=$(elapsed "$t0" "$t1")
fi
t0=$(now); substitute "$cache_url" "$cache_key" "$work/store-nixfront"; t1=$(now); nf_sub=$(elapsed "$t0" "$t1")
t0=$(now); substitute "$nginx_url/zstd" "$(cat "$work/nginx.pk")" "$work/store-nginx-zstd"; t1=$(now); nginxz_sub=$(elapsed "$t0" "$t1")
if [ "$with_xz" = 1 ]; then
  t0=$(now); substitute "$nginx_url" "$(cat "$work/nginx.pk")" "$work/store-nginx"; t1=$(now); nginx_sub=$(elapsed "$t0" "$t1")
fi
# The servers alone: every narinfo, then every NAR they name, fetched one after the other over one
# kept-alive connection (curl -K), from the files each cache wrote; the best of three runs each.
curl_config() { # BASE_URL DIR narinfo|nar
  local f
  for f in "$2"/*.narinfo; do
    if [ "$3" = narinfo ]; then printf 'url = "%s/%s"\n' "$1" "${f##*/}"; else printf 'url = "%s/%s"\n' "$1" "$(sed -n 's/^URL: //p' "$f")"; fi
    echo 'output = "/dev/null"'
  done
}
best_of_three() { # CONFIG
  local best="" t0 t1 t
  for _ in 1 2 3; do
    t0=$(now); curl -sf -K "$1"; t1=$(now); t=$(elapsed "$t0" "$t1")
    best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (a == "" || b < a) ? b : a }')
  done
  echo "$best"
}
curl_config "$cache_url" "$work/local/s3/nixfront/bench" narinfo > "$work/nf-narinfo.curl"
curl_config "$cache_url" "$work/local/s3/nixfront/bench" nar > "$work/nf-nar.curl"
curl_config "$nginx_url/zstd" "$work/nginx/root/zstd" narinfo > "$work/ng-narinfo.curl"
curl_config "$nginx_url/zstd" "$work/nginx/root/zstd" nar > "$work/ng-nar.curl"
nf_narinfos=$(best_of_three "$work/nf-narinfo.curl"); ng_narinfos=$(best_of_three "$work/ng-narinfo.curl")
nf_nars=$(best_of_three "$work/nf-nar.curl"); ng_nars=$(best_of_three "$work/ng-nar.curl")
nf_file_bytes="$(du -sb "$work/local/s3/nixfront/bench" | cut -f1)"
nginxz_file_bytes="$(du -sb "$work/nginx/root/zstd" | cut -f1)"

cat <<REPORT

$count paths, $(awk -v b="$nar_bytes" 'BEGIN { printf "%.0f", b / 1048576 }') MiB of NAR; $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -1); load average before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%d)

| step | nixfront (local stack, zstd) | Nix + nginx (zstd) | ratio | target |
|---|---|---|---|---|
| cold push | ${nf_cold} s | ${nixz_cold} s | $(ratio "$nf_cold" "$nixz_cold") | ≤ 1.5 |
| cold push again, into a second cache of the same (now warmed-up) stack | ${nf_again} s | | $(ratio "$nf_again" "$nixz_cold") | |
| cold push, every S3 and DynamoDB request ${latency_ms} ms slower | ${nf_far} s | | $(ratio "$nf_far" "$nf_cold") of the push above | ≤ 1.3 |
| warm push (nothing to do) | ${nf_warm} s (${nf_far_warm} s at ${latency_ms} ms) | ${nixz_warm} s | | nixfront ≤ 0.5 s |
| substitute into an empty store | ${nf_sub} s | ${nginxz_sub} s | $(ratio "$nf_sub" "$nginxz_sub") | ≤ 1.2 |
| read every narinfo over one connection (curl) | ${nf_narinfos} s | ${ng_narinfos} s | $(ratio "$nf_narinfos" "$ng_narinfos") | |
| read every NAR over one connection (curl) | ${nf_nars} s | ${ng_nars} s | $(ratio "$nf_nars" "$ng_nars") | |
| CPU seconds of the cold push | CLI ${nf_cold_cli_cpu}, local stack ${nf_cold_server_cpu} (its JVM ${nf_cold_jvm_cpu}, the rest dynalite) | nix ${nixz_cold_cpu} (nginx not counted) | | |
| CPU seconds of the push again | CLI ${nf_again_cli_cpu}, local stack ${nf_again_server_cpu} (its JVM ${nf_again_jvm_cpu}) | | | |
| bytes stored | $(( nf_file_bytes / 1048576 )) MiB | $(( nginxz_file_bytes / 1048576 )) MiB | | |
$( [ "$with_xz" = 1 ] && echo "| Nix + nginx with xz (Nix's default) | cold push ${nix_cold} s, substitute ${nginx_sub} s | | | |" )

nixfront cold push said: $(cat "$work/push-cold.txt")
at ${latency_ms} ms: $(cat "$work/push-far.txt")
REPORT
