#!/usr/bin/env bash
# The web app benchmark (see README.md, "Benchmarks"): builds Hindsight, then runs
# dev.hindsight.bench.WebBenchmark in Chromium, which prints every figure. Flags: --events=N (default 10000000)
# --runs=R (default 5) --store=DIR (keep the generated store there and reuse it)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find-java.sh
hs_find_java
export JAVA_HOME="$HS_JAVA_HOME"
./mvnw -q -B package -DskipTests
./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
exec "$HS_JAVA_HOME/bin/java" -Xms4g -Xmx4g -XX:+AlwaysPreTouch --enable-native-access=ALL-UNNAMED \
  -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" dev.hindsight.bench.WebBenchmark "$@"
