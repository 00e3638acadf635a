#!/bin/sh
# Profiles one workload of the end-to-end benchmark with JFR on both ends (our client in the bench
# JVM, our server in its child JVM) and prints the hottest methods of each (self and total CPU
# samples). Usage: sshrpc-bench/profile.sh WORKLOAD [RUNS]   e.g. sshrpc-bench/profile.sh a 5
# Needs the shaded jar (./sshrpc-bench.sh builds it). Recordings are left in $OUT.
set -e
cd "$(dirname "$0")/.."
W=${1:-a}
RUNS=${2:-5}
OUT=${OUT:-$(mktemp -d /tmp/sshrpc-jfr-XXXXXX)}
JAR=sshrpc-bench/target/sshrpc-bench.jar
java -Xmx2g -XX:StartFlightRecording=filename=$OUT/client-$W.jfr,settings=profile,dumponexit=true \
  -jar "$JAR" --peers sshrpc --workloads "$W" --runs "$RUNS" \
  --server-jvm -XX:StartFlightRecording=filename=$OUT/server-$W.jfr,settings=profile,dumponexit=true
for side in client server; do
  f=$OUT/$side-$W.jfr
  echo "== $side ($f): top methods by samples (self = top frame; total = anywhere on the stack)"
  jfr print --events jdk.ExecutionSample --stack-depth 64 "$f" | awk '
    /jdk.ExecutionSample/ { n++; first = 1; delete seen; next }
    /line:/ {
      m = $1; sub(/\(.*/, "", m)
      if (first) { self[m]++; first = 0 }
      if (!(m in seen)) { seen[m] = 1; total[m]++ }
    }
    END {
      printf "samples: %d\n", n
      for (m in self) printf "self  %5d %5.1f%%  %s\n", self[m], 100 * self[m] / n, m | "sort -k2 -nr | head -25"
      close("sort -k2 -nr | head -25")
      for (m in total) if (m ~ /sshrpc|sshd|grpc/) printf "total %5d %5.1f%%  %s\n", total[m], 100 * total[m] / n, m | "sort -k2 -nr | head -40"
    }'
done
