#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (AddressSanitizer + UndefinedBehaviorSanitizer)
# and runs each for a fixed time, starting from its corpus in tests/fuzz/corpus/<target>. Any
# finding (a crash, a sanitizer report, a broken property, a timeout, memory past the limit) fails
# the run, and libFuzzer leaves the input that caused it in OUT_DIR.
#
#   tests/fuzz/run.sh OUT_DIR [SECONDS_PER_TARGET]     (ctest fuzz_smoke: 15 s each)
#
# Exit 77 (skipped) when clang or libFuzzer (Debian: clang, libfuzzer-14-dev) is missing, except
# under CI=true, where that is a failure.
set -euo pipefail
root="$(cd "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:?usage: tests/fuzz/run.sh OUT_DIR [SECONDS_PER_TARGET]}"
seconds="${2:-15}"

skip() {
  if [[ "${CI:-}" == true ]]; then
    echo "[fuzz] FAILED: $*" >&2
    exit 1
  fi
  echo "[fuzz] SKIPPED: $*" >&2
  exit 77
}
command -v clang++ >/dev/null 2>&1 || skip "clang++ is not installed (apt-get install clang)"
probe="$(mktemp -d)"
trap 'rm -rf -- "$probe"' EXIT
printf 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }\n' \
  >"$probe/probe.cc"
clang++ -fsanitize=fuzzer "$probe/probe.cc" -o "$probe/probe" >/dev/null 2>&1 ||
  skip "clang++ cannot link libFuzzer (apt-get install libfuzzer-14-dev)"

# target -> the sources it tests (each compiled with the sanitizers, linked against Debian's
# Abseil and OpenSSL).
declare -A sources=(
  [page_token]="common/domain/page_token.cc"
  [csv]="tools/cli/csv.cc"
  [resource_name]="common/domain/resource_name.cc"
)
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
  -fno-omit-frame-pointer -I"$root")
read -r -a libs <<<"$(pkg-config --libs absl_strings absl_status absl_statusor) -lcrypto"

mkdir -p -- "$out"
failed=0
for target in page_token csv resource_name; do
  binary="$out/${target}_fuzz"
  read -r -a extra <<<"${sources[$target]}"
  clang++ "${flags[@]}" "$root/tests/fuzz/${target}_fuzz.cc" "${extra[@]/#/$root/}" "${libs[@]}" \
    -o "$binary"
  # New inputs go to OUT_DIR's corpus; the repository's corpus is read, not written.
  mkdir -p -- "$out/corpus/$target"
  log="$out/$target.log"
  if (cd "$out" && "$binary" -max_total_time="$seconds" -max_len=4096 -timeout=5 \
    -rss_limit_mb=512 -print_final_stats=1 "$out/corpus/$target" \
    "$root/tests/fuzz/corpus/$target" >"$log" 2>&1); then
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
    echo "[fuzz] $target: ${runs:-?} inputs in ${seconds} s, no finding"
  else
    echo "[fuzz] $target: FINDING (input saved in $out; log $log):" >&2
    grep -E "ERROR|SUMMARY|runtime error|Test unit written|deadly signal" "$log" | head -20 >&2
    failed=1
  fi
done
exit "$failed"
