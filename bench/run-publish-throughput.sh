#!/usr/bin/env bash
# Publish service throughput through its ports with the in-memory stand-ins (no network): builds
# core, api, cache (with its test fakes), aws, local (for --on dynalite) and bench with the Maven wrapper (offline), then runs
# dev.nixfront.bench.capacity.PublishThroughputBenchmark [--paths 10000] [--seed 1] [--on memory|dynalite].
# Needs a JDK 21 or newer under /usr/lib/jvm or in JAVA_HOME.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/main.sh"
bench_main run-publish-throughput.sh "-XX:+UseParallelGC -Xmx2g" dev.nixfront.bench.capacity.PublishThroughputBenchmark "$@"
