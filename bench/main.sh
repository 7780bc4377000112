# Sourced by the runners of the benchmark mains in bench/src (run-capacity.sh, run-publish-throughput.sh,
# run-verify-cost.sh): picks a JDK 21 or newer (JAVA_HOME, else the newest under /usr/lib/jvm), builds
# core, api, cache (with its test fakes: -DskipTests, not -Dmaven.test.skip), aws, local and bench with
# the Maven wrapper (offline), prints a line naming the machine, and runs the main.
#   bench_main RUNNER "JVM OPTIONS" CLASS [ARGS...]
bench_main() {
  local runner="$1" jvm_opts="$2" class="$3" root
  shift 3
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  if [ -z "${JAVA_HOME:-}" ] || ! grep -qE '^JAVA_VERSION="(2[1-9]|[3-9][0-9])' "$JAVA_HOME/release" 2>/dev/null; then
    JAVA_HOME="$(grep -lE '^JAVA_VERSION="(2[1-9]|[3-9][0-9])' /usr/lib/jvm/*/release 2>/dev/null | sort -V | tail -n1 | xargs -r dirname)"
    [ -n "$JAVA_HOME" ] || { echo "$runner: needs a JDK 21 or newer under /usr/lib/jvm or in JAVA_HOME" >&2; exit 1; }
    export JAVA_HOME
  fi
  cd "$root"
  ./mvnw -B -q -o -pl bench -am -DskipTests package dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime >&2
  echo "# $(date -u +%Y-%m-%d), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $("$JAVA_HOME/bin/java" -version 2>&1 | head -n1), git $(git rev-parse --short HEAD 2>/dev/null || echo '?'), load $(cut -d' ' -f1-3 /proc/loadavg)"
  # shellcheck disable=SC2086 # the options are words
  exec "$JAVA_HOME/bin/java" $jvm_opts -cp "bench/target/classes:$(cat bench/target/classpath.txt)" "$class" "$@"
}
