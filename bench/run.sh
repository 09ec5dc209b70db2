#!/usr/bin/env bash
# The performance benchmark of docs/BENCHMARKS.md: builds the service and the test classes,
# then runs org.nemo.bridge.bench.Bench (the baseline loop and the real service, each in its
# own JVM, against an embedded PostgreSQL and a private Mosquitto). Results: target/bench/.
#   BENCH_BEFORE=<git rev>  also measures the service as it was at that revision ("before")
#   BENCH_DURABLE=1         PostgreSQL durable, as labs run it (fsync, synchronous_commit, full_page_writes on)
#   BENCH_OPTS="-Dbench.seconds=20 -Dbench.backlog=100000 -Dbench.jvm='...'"  overrides
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests test-compile
# the service runs with its runtime classpath only; the bench itself needs the test one
./mvnw -B -q dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile=target/bench-runtime.classpath
./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-test.classpath
subjects=baseline,bridge
if [ -n "${BENCH_BEFORE:-}" ]; then
  rm -rf target/bench-before/tree && mkdir -p target/bench-before/tree
  git archive "$BENCH_BEFORE" | tar -x -C target/bench-before/tree
  ./mvnw -B -q -DskipTests -f target/bench-before/tree/pom.xml compile
  # `before` runs last: run right after it, the bridge drained the backlog in 16-22 s where it took
  # 9-12 s alone or after the baseline (dropping its database and a CHECKPOINT did not change that)
  subjects=baseline,bridge,before
fi
durable=false
if [ "${BENCH_DURABLE:-0}" = 1 ]; then
  durable=true
fi
echo "load before the run: $(uptime)"
# BENCH_OPTS is split as the shell would split it, so that a quoted -Dbench.jvm='...' stays one argument
eval "set -- ${BENCH_OPTS:-}"
exec java -Dbench.subjects="$subjects" -Dbench.durable="$durable" "$@" \
  -cp "target/test-classes:target/classes:$(cat target/bench-test.classpath)" org.nemo.bridge.bench.Bench
