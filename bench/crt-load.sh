#!/usr/bin/env bash
# What the edge layer costs the admin function at cold start: the time a fresh JVM takes to load
# aws-crt's native library (extracted from the jar into the temp directory, then loaded), which
# the first SigV4A-signed KeyValueStore request pays. Uses the edge layer zip that
# `./mvnw -pl layers/lambda-layer -am package -DskipTests` builds. Runs 3 times, each with an empty
# temp directory as a fresh Lambda container has.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
java="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
zip="$root/layers/lambda-layer/target/nixfront-edge-layer.zip"
[ -f "$zip" ] || { echo "crt-load.sh: build the layers first: ./mvnw -B -pl layers/lambda-layer -am package -DskipTests" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
unzip -q -o "$zip" -d "$work/layer"
cat > "$work/CrtLoad.java" <<'JAVA'
public class CrtLoad {
    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        Class<?> crt = Class.forName("software.amazon.awssdk.crt.CRT");
        crt.getConstructor().newInstance();
        System.out.printf("aws-crt native library loaded in %.0f ms (%s)%n", (System.nanoTime() - start) / 1e6,
                crt.getMethod("getArchIdentifier").invoke(null));
    }
}
JAVA
for run in 1 2 3; do
  rm -rf "$work/tmp" && mkdir "$work/tmp"
  "$java" --enable-native-access=ALL-UNNAMED -Djava.io.tmpdir="$work/tmp" -cp "$(ls "$work"/layer/java/lib/aws-crt-*.jar)" "$work/CrtLoad.java"
done
