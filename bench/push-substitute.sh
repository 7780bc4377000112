#!/usr/bin/env bash
# Benchmark (not a test): push a synthetic closure of ~200 paths / ~250 MB to the local nixfront stack
# and substitute it back, side by side with Nix's own HTTP binary cache upload (`nix copy --to http://`)
# into a PUT-enabled (WebDAV) Debian nginx and substitution from that nginx. Prints a Markdown table.
#
#   bench/push-substitute.sh            # PATHS=200 MB=250 by default; needs nix-bin, nginx (dav module), node, a JDK 21+
#
# Each run builds new store paths (a fresh seed), so "cold" really is cold on both sides. Everything
# lives in a temporary directory and every server started here is stopped on exit.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
paths="${PATHS:-200}"
megabytes="${MB:-250}"
export NIX_CONFIG=$'experimental-features = nix-command\nbuild-users-group =\nsandbox = false\nsubstituters ='

for tool in nix nix-build nginx node; do
  command -v "$tool" >/dev/null || { echo "bench: needs $tool (apt-get install -y nix-bin nginx-light nodejs)" >&2; exit 1; }
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

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
free_port() { local p; while :; do p=$(( 20000 + RANDOM % 20000 )); (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done; }

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
(cd "$root" && ./mvnw -q -B -DskipTests -pl local,cli -am package >&2)
java="${JAVA_HOME:-}"; [ -n "$java" ] || java="$(ls -d /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25-* /usr/lib/jvm/*-21-* 2>/dev/null | head -1)"
mkdir -p "$work/jars/target"
cp "$root/local/target/nixfront-local-all.jar" "$root/cli/target/nixfront-cli-all.jar" "$work/jars/target/"
ln -s "$root/local/node_modules" "$work/jars/node_modules"
"$java/bin/java" -XX:+UseSerialGC -jar "$work/jars/target/nixfront-local-all.jar" --dir "$work/local" --api-port 0 --cache-port 0 \
  > "$work/local.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do grep -q 'is ready' "$work/local.log" && break; kill -0 "${pids[0]}" 2>/dev/null || { cat "$work/local.log" >&2; exit 1; }; sleep 0.1; done
set -a; . "$work/local/local.env"; set +a
# Exactly what ./nixfront runs for CLI commands (same JVM flags, its CDS archive), on the copied jar.
nixfront() {
  "$java/bin/java" -XX:+UseSerialGC -XX:SharedArchiveFile="$work/jars/nixfront-cli.jsa" \
    -XX:+AutoCreateSharedArchive -Xlog:cds=off -Xlog:cds+dynamic=off -jar "$work/jars/target/nixfront-cli-all.jar" "$@"
}
nixfront cache create bench >/dev/null
cache_url="$NIXFRONT_CACHE_URL/bench"
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
t0=$(now); nixfront push bench "$closure" > "$work/push-cold.txt" 2>/dev/null; t1=$(now); nf_cold=$(elapsed "$t0" "$t1")
t0=$(now); nixfront push bench "$closure" > "$work/push-warm.txt" 2>/dev/null; t1=$(now); nf_warm=$(elapsed "$t0" "$t1")
t0=$(now); nix copy --to "$nginx_url?secret-key=$work/nginx.sk" "$closure"; t1=$(now); nix_cold=$(elapsed "$t0" "$t1")
rm -rf "$XDG_CACHE_HOME"
t0=$(now); nix copy --to "$nginx_url?secret-key=$work/nginx.sk" "$closure"; t1=$(now); nix_warm=$(elapsed "$t0" "$t1")
# The same upload with zstd, the compression nixfront uses, for a like-for-like view of the codec's share.
rm -rf "$XDG_CACHE_HOME"
t0=$(now); nix copy --to "$nginx_url/zstd?compression=zstd&secret-key=$work/nginx.sk" "$closure"; t1=$(now); nixz_cold=$(elapsed "$t0" "$t1")
t0=$(now); substitute "$cache_url" "$cache_key" "$work/store-nixfront"; t1=$(now); nf_sub=$(elapsed "$t0" "$t1")
t0=$(now); substitute "$nginx_url" "$(cat "$work/nginx.pk")" "$work/store-nginx"; t1=$(now); nginx_sub=$(elapsed "$t0" "$t1")
t0=$(now); substitute "$nginx_url/zstd" "$(cat "$work/nginx.pk")" "$work/store-nginx-zstd"; t1=$(now); nginxz_sub=$(elapsed "$t0" "$t1")
nf_file_bytes="$(du -sb "$work/local/s3" | cut -f1)"
nginxz_file_bytes="$(du -sb "$work/nginx/root/zstd" | cut -f1)"
nginx_file_bytes=$(( $(du -sb "$work/nginx/root" | cut -f1) - nginxz_file_bytes ))

cat <<REPORT

$count paths, $(awk -v b="$nar_bytes" 'BEGIN { printf "%.0f", b / 1048576 }') MiB of NAR; $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -1); load average after the run $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%d)

| step | nixfront (local stack, zstd) | Nix + nginx (default: xz) | ratio | Nix + nginx (zstd) | ratio | target (vs default) |
|---|---|---|---|---|---|---|
| cold push | ${nf_cold} s | ${nix_cold} s | $(ratio "$nf_cold" "$nix_cold") | ${nixz_cold} s | $(ratio "$nf_cold" "$nixz_cold") | ≤ 2 |
| warm push (nothing to do) | ${nf_warm} s | ${nix_warm} s | | | | nixfront ≤ 1 s |
| substitute into an empty store | ${nf_sub} s | ${nginx_sub} s | $(ratio "$nf_sub" "$nginx_sub") | ${nginxz_sub} s | $(ratio "$nf_sub" "$nginxz_sub") | ≤ 1.5 |
| bytes stored | $(( nf_file_bytes / 1048576 )) MiB | $(( nginx_file_bytes / 1048576 )) MiB | | $(( nginxz_file_bytes / 1048576 )) MiB | | |

nixfront cold push said: $(cat "$work/push-cold.txt")
REPORT
