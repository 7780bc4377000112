#!/usr/bin/env bash
# Reproduces the "Nix formats" numbers of docs/performance.md: builds core and bench, then runs
# dev.nixfront.bench.FormatsBenchmark (options: --size-mib 1024 --runs 5 --dir /tmp --keep).
# Needs nix-store (apt-get install -y nix-bin), bash and sha256sum; about 1.1 GiB free in --dir.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ -z "${JAVA_HOME:-}" ] || ! grep -qE '^JAVA_VERSION="(2[1-9]|[3-9][0-9])' "$JAVA_HOME/release" 2>/dev/null; then
  JAVA_HOME="$(grep -lE '^JAVA_VERSION="(2[1-9]|[3-9][0-9])' /usr/lib/jvm/*/release 2>/dev/null | sort -V | tail -n1 | xargs -r dirname)"
  [ -n "$JAVA_HOME" ] || { echo "run-formats.sh: needs a JDK 21 or newer under /usr/lib/jvm or in JAVA_HOME" >&2; exit 1; }
  export JAVA_HOME
fi
command -v nix-store >/dev/null || { echo "run-formats.sh: needs Nix: apt-get install -y nix-bin" >&2; exit 1; }

cd "$root"
./mvnw -B -q -pl bench -am -Dmaven.test.skip=true package dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime >&2
echo "# $(date -u +%Y-%m-%d), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $("$JAVA_HOME/bin/java" -version 2>&1 | head -n1), $(nix-store --version), load average $(cut -d' ' -f1-3 /proc/loadavg)"
exec "$JAVA_HOME/bin/java" -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  dev.nixfront.bench.FormatsBenchmark "$@"
