#!/usr/bin/env bash
# ctest `format`: fails on any C++ file of the repository that clang-format (.clang-format) would
# change, and names it with the first differences. Fix with `clang-format -i FILE...`.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/../.."
if ! command -v clang-format >/dev/null; then
  echo "clang-format not found (apt-get install clang-format)" >&2
  [[ "${CI:-}" == true ]] && exit 1
  exit 77
fi
files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(git ls-files -z -- '*.cc' '*.h')
((${#files[@]} > 0)) || { echo "no C++ files found (not a git checkout?)" >&2; exit 1; }
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/luban-format.$$; then
  grep -oE '^[^ :]+:[0-9]+:[0-9]+: error' /tmp/luban-format.$$ | cut -d: -f1 | sort -u |
    sed 's/^/not formatted: /' >&2
  head -n 40 /tmp/luban-format.$$ >&2
  rm -f /tmp/luban-format.$$
  exit 1
fi
rm -f /tmp/luban-format.$$
echo "format: ${#files[@]} files as .clang-format says"
