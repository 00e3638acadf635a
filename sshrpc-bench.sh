#!/bin/sh
# Runs the end-to-end benchmark of sshrpc and its peers (see docs/performance.md).
# Builds the shaded jar when it is missing; passes its arguments on (try --help).
#   ./sshrpc-bench.sh               the suite with its peers
#   ./sshrpc-bench.sh longhaul      the same peers through a 50 ms RTT delaying proxy
#   ./sshrpc-bench.sh soak          the hostile soak
set -e
cd "$(dirname "$0")"
JAR=sshrpc-bench/target/sshrpc-bench.jar
if [ ! -f "$JAR" ]; then
  mvn -B -q -pl sshrpc-bench -am package -DskipTests
fi
exec java -Xmx2g -jar "$JAR" "$@"
