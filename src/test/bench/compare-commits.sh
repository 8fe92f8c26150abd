#!/usr/bin/env bash
# Compares the benchmark suite on two commits, interleaved, on the same machine in one run
# (docs/benchmarks.md, "Comparing two commits").
#
#   src/test/bench/compare-commits.sh [--runs N] [--workloads W1,W2,W3] [--quick] [--out DIR] \
#       BEFORE_REF AFTER_REF
#
# 1. Exports each commit with `git archive` into its own tree outside the repository
#    ($JOBQUEUE_COMPARE_WORK, default ${TMPDIR:-/tmp}/jobqueue-compare/<sha>), builds it once
#    (test-compile) and resolves its test class path once. A tree already built is reused.
# 2. Runs the suite N times for each side, alternating: before 1, after 1, before 2, after 2, ...
#    Each run is one `java ... dev.jobqueue.bench.Bench --workloads LIST --runs 1` in that side's
#    tree (a fresh embedded PostgreSQL each time), writing DIR/<side>-<i>.json and <side>-<i>.log.
# 3. Aggregates the files with dev.jobqueue.bench.Compare (compiled from this checkout): medians,
#    ratios after/before, verdicts, printed and written to DIR/summary.md and
#    target/compare/summary.md.
#
# The exit code is 0 when the runs completed, whatever the verdicts: this is a measurement.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: src/test/bench/compare-commits.sh [options] BEFORE_REF AFTER_REF
  --runs N          runs of each side, interleaved (default 5)
  --workloads LIST  passed to the suite (default W1,W2,W3)
  --quick           the suite's smaller sizes (a smoke run of the comparison itself)
  --out DIR         where the JSON, logs and summary go
                    (default target/compare/<before>-<after>-<date>)
Environment: JOBQUEUE_COMPARE_WORK (where the two trees are built, default
${TMPDIR:-/tmp}/jobqueue-compare), JAVA_HOME (the JDK to build and run with),
BENCH_JAVA_OPTS (extra JVM options for every run, such as -Xmx2g).
EOF
}

runs=5
workloads=W1,W2,W3
quick=()
out=
refs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=${2:?--runs needs a value}; shift 2 ;;
    --runs=*) runs=${1#*=}; shift ;;
    --workloads) workloads=${2:?--workloads needs a value}; shift 2 ;;
    --workloads=*) workloads=${1#*=}; shift ;;
    --quick) quick=(--quick); shift ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    --out=*) out=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    *) refs+=("$1"); shift ;;
  esac
done
if [ ${#refs[@]} -ne 2 ]; then
  usage >&2
  exit 2
fi
if ! [[ "$runs" =~ ^[0-9]+$ ]] || [ "$runs" -lt 1 ]; then
  echo "--runs needs a positive number (was '$runs')" >&2
  exit 2
fi

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$repo"
java_bin=${JAVA_HOME:+$JAVA_HOME/bin/}java
javac_bin=${JAVA_HOME:+$JAVA_HOME/bin/}javac
work=${JOBQUEUE_COMPARE_WORK:-${TMPDIR:-/tmp}/jobqueue-compare}

resolve() {
  git rev-parse --verify --quiet "$1^{commit}" || {
    echo "not a commit: $1" >&2
    exit 2
  }
}
before_sha=$(resolve "${refs[0]}")
after_sha=$(resolve "${refs[1]}")
before_short=$(git rev-parse --short "$before_sha")
after_short=$(git rev-parse --short "$after_sha")
# How the summary names a side: the short sha, and the ref when it says more.
name() {
  case "$1" in
    "$2"*) echo "$2" ;;
    *) echo "$2 ($1)" ;;
  esac
}
if [ -z "$out" ]; then
  out=target/compare/${before_short}-${after_short}-$(date +%Y%m%d-%H%M%S)
fi
mkdir -p "$out" "$work"
out=$(cd "$out" && pwd)

started=$SECONDS
log() { printf '[compare %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# Maven offline first (the usual case here); online once if something is not cached.
mvn_quiet() {
  ./mvnw -q -o "$@" || { log "offline Maven failed; trying once online"; ./mvnw -q "$@"; }
}

# Exports and builds one commit. Afterwards $work/<sha>/target/compare-classpath.txt holds its
# test class path, or is missing when it could not be resolved (runs then go through exec:java).
prepare() {
  local sha=$1 tree=$work/$1
  if [ -f "$tree/.compare-built" ]; then
    log "$sha: reusing the tree built in $tree"
    return
  fi
  log "$sha: exporting (git archive) into $tree and building"
  rm -rf "$tree"
  mkdir -p "$tree"
  git archive "$sha" | tar -x -C "$tree"
  local t0=$SECONDS
  (
    cd "$tree"
    mvn_quiet -Pbench test-compile
    mvn_quiet dependency:build-classpath -Dmdep.outputFile=target/compare-classpath.txt \
        -Dmdep.includeScope=test \
      || { rm -f target/compare-classpath.txt; echo "no class path: runs use exec:java" >&2; }
  )
  touch "$tree/.compare-built"
  log "$sha: built in $((SECONDS - t0)) s"
}

# One run of the suite for one side.
run_side() {
  local side=$1 sha=$2 short=$3 i=$4 tree=$work/$2
  local json=$out/$side-$i.json logfile=$out/$side-$i.log
  local args=(--workloads "$workloads" --runs 1 "${quick[@]}" --out "$json")
  local t0=$SECONDS rc=0 load
  load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
  # shellcheck disable=SC2086 # BENCH_JAVA_OPTS is a list of options
  (
    cd "$tree"
    if [ -f target/compare-classpath.txt ]; then
      exec "$java_bin" ${BENCH_JAVA_OPTS:-} -Dlogback.configurationFile=bench-logback.xml \
        -Djobqueue.bench.commit="$short" \
        -cp "target/test-classes:target/classes:$(cat target/compare-classpath.txt)" \
        dev.jobqueue.bench.Bench "${args[@]}"
    else
      exec ./mvnw -q -o -Pbench exec:java -Djobqueue.bench.commit="$short" \
        -Dexec.args="${args[*]}"
    fi
  ) >"$logfile" 2>&1 || rc=$?
  local took=$((SECONDS - t0))
  load="$load -> $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')"
  echo "$side $i $short rc=$rc ${took}s load $load" >>"$out/runs.txt"
  if [ "$rc" -ne 0 ] || [ ! -f "$json" ]; then
    log "$side run $i ($short) FAILED (exit $rc, ${took} s); last lines of $logfile:"
    tail -n 20 "$logfile" | sed 's/^/    /'
  else
    # The load average at start and end: a busy machine shows here before it shows in a ratio.
    log "$side run $i ($short) done in ${took} s (load average $load)"
  fi
}

{
  echo "before: ${refs[0]} = $before_sha"
  echo "after:  ${refs[1]} = $after_sha"
  echo "workloads: $workloads, runs: $runs each, quick: ${quick[*]:-no}"
  echo "java: $("$java_bin" -version 2>&1 | head -n 1)"
  echo "started: $(date -Iseconds)"
} >"$out/meta.txt"
: >"$out/runs.txt"

log "before ${refs[0]} ($before_short), after ${refs[1]} ($after_short); workloads $workloads," \
  "$runs run(s) each${quick:+, quick sizes}; results in $out"
prepare "$before_sha"
if [ "$after_sha" != "$before_sha" ]; then
  prepare "$after_sha"
fi

runs_started=$SECONDS
for ((i = 1; i <= runs; i++)); do
  log "pair $i/$runs: before"
  run_side before "$before_sha" "$before_short" "$i"
  log "pair $i/$runs: after"
  run_side after "$after_sha" "$after_short" "$i"
  if [ "$i" -eq 1 ] && [ "$runs" -gt 1 ]; then
    per_pair=$((SECONDS - runs_started))
    log "one pair took ${per_pair} s; about $((per_pair * (runs - 1) / 60 + 1)) min to go"
  fi
done
echo "finished runs: $(date -Iseconds), $((SECONDS - runs_started)) s" >>"$out/meta.txt"

# The aggregation comes from this checkout, compiled on its own against Jackson, so it does not
# depend on what the two commits contain.
classpath=
for sha in "$after_sha" "$before_sha"; do
  if [ -f "$work/$sha/target/compare-classpath.txt" ]; then
    classpath=$(cat "$work/$sha/target/compare-classpath.txt")
    break
  fi
done
if [ -z "$classpath" ]; then
  log "no resolved class path: cannot aggregate; the JSON files are in $out"
  exit 1
fi
tool=$out/.compare-classes
rm -rf "$tool"
"$javac_bin" --release 17 -nowarn -d "$tool" -cp "$classpath" \
  "$repo/src/test/java/dev/jobqueue/bench/Compare.java"
echo
"$java_bin" -cp "$tool:$classpath" dev.jobqueue.bench.Compare \
  --before-name "$(name "${refs[0]}" "$before_short")" \
  --after-name "$(name "${refs[1]}" "$after_short")" \
  --summary "$out/summary.md" "$out"
rm -rf "$tool"
mkdir -p "$repo/target/compare"
cp "$out/summary.md" "$repo/target/compare/summary.md"
echo "finished: $(date -Iseconds), wall time $((SECONDS - started)) s" >>"$out/meta.txt"
log "wall time $((SECONDS - started)) s ($(((SECONDS - started) / 60)) min); also in" \
  "target/compare/summary.md"
