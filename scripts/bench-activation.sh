#!/usr/bin/env bash
# The activation benchmark (see README.md, "Benchmarks"): builds Hindsight, then runs
# dev.hindsight.bench.ActivationBenchmark, which prints every figure. Flags: --events=N --delivery-events=M
# --concurrency=C --clients=K --warmup-events=W --server-heap=1g
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find-java.sh
hs_find_java
export JAVA_HOME="$HS_JAVA_HOME"
./mvnw -q -B package -DskipTests
./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
exec "$HS_JAVA_HOME/bin/java" -Xmx2g --enable-native-access=ALL-UNNAMED \
  -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" dev.hindsight.bench.ActivationBenchmark "$@"
