#!/usr/bin/env bash
# What verifying costs the server, in CPU seconds per GiB of NAR, against the client's CPU for packing
# the same bytes: builds core, api, cache (with its test fakes) and bench with the Maven wrapper
# (offline), then runs dev.nixfront.bench.capacity.VerifyCostBenchmark [--paths 5] [--mib 200].
# Needs a JDK 21 or newer under /usr/lib/jvm or in JAVA_HOME, and about 2 x --mib MiB free in /tmp.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/main.sh"
bench_main run-verify-cost.sh "-XX:+UseSerialGC -Xmx3g" dev.nixfront.bench.capacity.VerifyCostBenchmark "$@"
