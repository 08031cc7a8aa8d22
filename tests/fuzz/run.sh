#!/usr/bin/env bash
# Runs one libFuzzer target (built by CMake: tests/fuzz/CMakeLists.txt) for a fixed time from its
# corpus kept in the repository plus a scratch corpus in WORK_DIR. Any finding (a crash, a
# sanitizer report, a broken property, a timeout, memory past the limit) fails the run, and
# libFuzzer leaves the input that caused it in WORK_DIR. ctest fuzz.<name> calls it.
#
#   tests/fuzz/run.sh BINARY CORPUS_DIR WORK_DIR
#
#   LUBAN_FUZZ_SECONDS   time to run (default 15)
#   LUBAN_FUZZ_MAX_LEN   largest input, bytes (default 4096)
#
# Refreshing a committed corpus after a longer run (new inputs are in WORK_DIR/corpus):
#   BINARY -merge=1 -max_len=4096 CORPUS_DIR.new CORPUS_DIR WORK_DIR/corpus
# then replace CORPUS_DIR with CORPUS_DIR.new; for the API targets, whose merge keeps too many
# inputs, tests/fuzz/trim_corpus.py picks a few hundred from the merge's control file.
set -euo pipefail
binary="${1:?usage: tests/fuzz/run.sh BINARY CORPUS_DIR WORK_DIR}"
corpus="${2:?usage: tests/fuzz/run.sh BINARY CORPUS_DIR WORK_DIR}"
work="${3:?usage: tests/fuzz/run.sh BINARY CORPUS_DIR WORK_DIR}"
seconds="${LUBAN_FUZZ_SECONDS:-15}"
max_len="${LUBAN_FUZZ_MAX_LEN:-4096}"
name="$(basename -- "$binary")"

[[ -d "$corpus" ]] || { echo "[fuzz] $name: no corpus at $corpus" >&2; exit 1; }
mkdir -p -- "$work/corpus"
log="$work/fuzz.log"
# New inputs go to the scratch corpus (the first directory); the repository's is only read.
if "$binary" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=1024 \
  -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$corpus" >"$log" 2>&1; then
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
  echo "[fuzz] $name: ${runs:-?} inputs in ${seconds} s, no finding"
else
  echo "[fuzz] $name: FINDING (input saved in $work; log $log):" >&2
  grep -E "ERROR|SUMMARY|runtime error|property broken|Test unit written|deadly signal" "$log" |
    head -20 >&2
  exit 1
fi
