#!/usr/bin/env bash
# Cold starts of every function (issue 15): fresh JVMs with a function's deployment classpath (the
# functions jar and the Lambda layer's jars; the edge layer's too for admin) and the environment
# the synthesized template gives it, against the AWS-mode stand-ins (s3proxy, dynalite, moto_server),
# timing construction (JVM start included) and the first answer to one representative event; cold,
# after the SnapStart priming, and on a JDK 25 AOT cache. Builds what it needs with the Maven wrapper
# (offline), then runs dev.nixfront.local.ColdStartBenchmark, which lives beside AwsModeDeployment in
# local's test sources: [--runs 5] [--modes cold,primed,aot] [--functions query,upload,publish,verify,admin,collect]
# [--java PATH]. Needs a JDK 25 (the AOT cache), node (dynalite) and moto_server (see README).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ -z "${JAVA_HOME:-}" ] || ! grep -qE '^JAVA_VERSION="(2[5-9]|[3-9][0-9])' "$JAVA_HOME/release" 2>/dev/null; then
  JAVA_HOME="$(grep -lE '^JAVA_VERSION="(2[5-9]|[3-9][0-9])' /usr/lib/jvm/*/release 2>/dev/null | sort -V | tail -n1 | xargs -r dirname)"
  [ -n "$JAVA_HOME" ] || { echo "cold-starts.sh: needs a JDK 25 or newer under /usr/lib/jvm or in JAVA_HOME" >&2; exit 1; }
  export JAVA_HOME
fi

cd "$root"
./mvnw -B -q -o -pl local -am -DskipTests package >&2
./mvnw -B -q -o -pl local dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >&2
echo "# $(date -u +%Y-%m-%d), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $("$JAVA_HOME/bin/java" -version 2>&1 | head -n1), git $(git rev-parse --short HEAD 2>/dev/null || echo '?'), load $(cut -d' ' -f1-3 /proc/loadavg)"
cd local
exec "$JAVA_HOME/bin/java" -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  dev.nixfront.local.ColdStartBenchmark --java "$JAVA_HOME/bin/java" "$@"
