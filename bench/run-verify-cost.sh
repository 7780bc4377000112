#!/usr/bin/env bash
# What verifying costs the server, in CPU seconds per GiB of NAR, against the client's CPU for packing
# the same bytes: builds core, api, cache (with its test fakes) and bench with the Maven wrapper
# (offline), then runs dev.nixfront.bench.capacity.VerifyCostBenchmark [--paths 5] [--mib 200].
# Needs a JDK 21 or newer under /usr/lib/jvm or in JAVA_HOME, and about 2 x --mib MiB free in /tmp.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ -z "${JAVA_HOME:-}" ] || ! grep -qE '^JAVA_VERSION="(2[1-9]|[3-9][0-9])' "$JAVA_HOME/release" 2>/dev/null; then
  JAVA_HOME="$(grep -lE '^JAVA_VERSION="(2[1-9]|[3-9][0-9])' /usr/lib/jvm/*/release 2>/dev/null | sort -V | tail -n1 | xargs -r dirname)"
  [ -n "$JAVA_HOME" ] || { echo "run-verify-cost.sh: needs a JDK 21 or newer under /usr/lib/jvm or in JAVA_HOME" >&2; exit 1; }
  export JAVA_HOME
fi

cd "$root"
# -DskipTests, not -Dmaven.test.skip: the benchmark runs on the cache module's test-jar (its fakes).
./mvnw -B -q -o -pl bench -am -DskipTests package dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime >&2
echo "# $(date -u +%Y-%m-%d), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $("$JAVA_HOME/bin/java" -version 2>&1 | head -n1), git $(git rev-parse --short HEAD 2>/dev/null || echo '?'), load $(cut -d' ' -f1-3 /proc/loadavg)"
exec "$JAVA_HOME/bin/java" -XX:+UseSerialGC -Xmx3g -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  dev.nixfront.bench.capacity.VerifyCostBenchmark "$@"
