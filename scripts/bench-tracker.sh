#!/usr/bin/env bash
# The tracker cost benchmark (issue 8): builds Hindsight (which minifies the tracker), then runs
# dev.hindsight.bench.TrackerCostBenchmark in Chromium (/usr/bin/chromium, or HINDSIGHT_CHROMIUM), which prints
# the median and p95 main-thread microseconds per click with and without the tracker, their difference, and the
# tracker's minified and gzipped size. Flags: --clicks=N (1000) --rounds=R (3)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find-java.sh
hs_find_java
export JAVA_HOME="$HS_JAVA_HOME"
./mvnw -q -B package -DskipTests
./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
exec "$HS_JAVA_HOME/bin/java" -Xmx1g --enable-native-access=ALL-UNNAMED \
  -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" dev.hindsight.bench.TrackerCostBenchmark "$@"
