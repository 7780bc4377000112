# Shared by the push benchmarks (sourced, not run): timing, CPU accounting, and a local nixfront
# stack started from copies of the jars, so that a build running beside a benchmark never swaps
# classes under its JVMs. Expects $root (the repository) and $work (a scratch directory whose
# cleanup kills every pid in the array $pids).

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# CPU seconds (user + system) a process and its descendants have used so far: the local stack is a
# JVM with dynalite's node as its child.
cpu_seconds() { # PID [self]: with "self", the process alone
  local pids=("$1") all=() pid ticks=0
  while ((${#pids[@]})); do
    if [ "${2:-}" = self ]; then all=("$1"); break; fi
    pid="${pids[0]}"; pids=("${pids[@]:1}"); all+=("$pid")
    for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do pids+=("$child"); done
  done
  for pid in "${all[@]}"; do
    ticks=$(( ticks + $(awk '{ print $14 + $15 }' /proc/"$pid"/stat 2>/dev/null || echo 0) ))
  done
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", t / hz }'
}

free_port() { local p; while :; do p=$(( 20000 + RANDOM % 20000 )); (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done; }

# Builds the local stack and the CLI, and copies their jars into $work/jars; sets $java.
prepare_jars() {
  (cd "$root" && ./mvnw -q -B -DskipTests -pl local,cli -am package >&2)
  java="${JAVA_HOME:-}"; [ -n "$java" ] || java="$(ls -d /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25-* /usr/lib/jvm/*-21-* 2>/dev/null | head -1)"
  mkdir -p "$work/jars/target"
  cp "$root/local/target/nixfront-local-all.jar" "$root/cli/target/nixfront-cli-all.jar" "$work/jars/target/"
  ln -s "$root/local/node_modules" "$work/jars/node_modules"
}

# start_stack NAME [ARGS]: a stack in $work/NAME, its pid in stack_pid; waits until it is ready.
# $stack_jvm_opts (an array, may be empty) goes to the JVM of the stack named "local".
start_stack() {
  local name="$1"; shift
  local opts=(); [ "$name" = local ] && opts=("${stack_jvm_opts[@]}")
  "$java/bin/java" -XX:+UseSerialGC "${opts[@]}" -jar "$work/jars/target/nixfront-local-all.jar" --dir "$work/$name" --api-port 0 --cache-port 0 "$@" \
    > "$work/$name.log" 2>&1 &
  stack_pid=$!
  pids+=("$stack_pid")
  for _ in $(seq 600); do grep -q 'is ready' "$work/$name.log" && return; kill -0 "$stack_pid" 2>/dev/null || { cat "$work/$name.log" >&2; exit 1; }; sleep 0.1; done
  echo "bench: the stack in $work/$name did not start" >&2; exit 1
}

# Exactly what ./nixfront runs for CLI commands (same JVM flags, its CDS archive: made by the first
# push, used by every command once it exists), on the copied jar; $extra_cli_opts (an array, may be
# empty) adds JVM options.
# nixfront_command ARGS... fills the array $nixfront_cmd with that command line (without ARGS), for
# programs such as /usr/bin/time that cannot run a shell function.
nixfront_command() {
  local jsa="$work/jars/nixfront-cli.jsa" cds=()
  if [ "${1:-}" = push ]; then cds=(-XX:SharedArchiveFile="$jsa" -XX:+AutoCreateSharedArchive)
  elif [ -f "$jsa" ]; then cds=(-XX:SharedArchiveFile="$jsa"); fi
  nixfront_cmd=("$java/bin/java" -XX:+UseSerialGC "${extra_cli_opts[@]}" "${cds[@]}"
    -Xlog:cds=off -Xlog:cds+dynamic=off -jar "$work/jars/target/nixfront-cli-all.jar")
}
nixfront() {
  nixfront_command "$@"
  "${nixfront_cmd[@]}" "$@"
}
