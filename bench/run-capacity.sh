#!/usr/bin/env bash
# The capacity simulation of one cache: builds core, api, cache (with its test fakes), aws and bench
# with the Maven wrapper (offline), then runs dev.nixfront.bench.capacity.CapacityBenchmark with the
# arguments given: [--paths 60000] [--workers 600] [--closure 200] [--no-limits] [--seed 1]
# [--dynamodb-ms 5] [--s3-ms 20] [--put-ms 20] [--invoke-ms 20] [--json FILE].
# Needs a JDK 21 or newer under /usr/lib/jvm or in JAVA_HOME; no AWS account, no network.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ -z "${JAVA_HOME:-}" ] || ! grep -qE '^JAVA_VERSION="(2[1-9]|[3-9][0-9])' "$JAVA_HOME/release" 2>/dev/null; then
  JAVA_HOME="$(grep -lE '^JAVA_VERSION="(2[1-9]|[3-9][0-9])' /usr/lib/jvm/*/release 2>/dev/null | sort -V | tail -n1 | xargs -r dirname)"
  [ -n "$JAVA_HOME" ] || { echo "run-capacity.sh: needs a JDK 21 or newer under /usr/lib/jvm or in JAVA_HOME" >&2; exit 1; }
  export JAVA_HOME
fi

cd "$root"
# -DskipTests, not -Dmaven.test.skip: the simulation runs on the cache module's test-jar (its fakes).
./mvnw -B -q -o -pl bench -am -DskipTests package dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime >&2
echo "# $(date -u +%Y-%m-%d), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $("$JAVA_HOME/bin/java" -version 2>&1 | head -n1), git $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
exec "$JAVA_HOME/bin/java" -XX:+UseParallelGC -Xmx4g -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  dev.nixfront.bench.capacity.CapacityBenchmark "$@"
