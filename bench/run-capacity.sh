#!/usr/bin/env bash
# The capacity simulation of one cache: builds core, api, cache (with its test fakes), aws and bench
# with the Maven wrapper (offline), then runs dev.nixfront.bench.capacity.CapacityBenchmark with the
# arguments given: [--paths 60000] [--workers 600] [--closure 200] [--no-limits] [--seed 1]
# [--dynamodb-ms 5] [--s3-ms 20] [--put-ms 20] [--invoke-ms 20] [--json FILE].
# Needs a JDK 21 or newer under /usr/lib/jvm or in JAVA_HOME; no AWS account, no network.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/main.sh"
bench_main run-capacity.sh "-XX:+UseParallelGC -Xmx4g" dev.nixfront.bench.capacity.CapacityBenchmark "$@"
