#!/usr/bin/env bash
# ctest `shellcheck`: every shell script of the repository (*.sh and files starting with a bash or
# sh #!) through shellcheck, following what they source.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/../.."
if ! command -v shellcheck >/dev/null; then
  echo "shellcheck not found (apt-get install shellcheck)" >&2
  [[ "${CI:-}" == true ]] && exit 1
  exit 77
fi
scripts=()
while IFS= read -r -d '' f; do
  [[ -f "$f" ]] || continue
  if [[ "$f" == *.sh ]] || head -n1 -- "$f" | grep -Eq '^#!.*[/ ](ba)?sh( |$)'; then scripts+=("$f"); fi
done < <(git ls-files -z -- ':!web' ':!*.md' ':!*.proto' ':!*.cc' ':!*.h' ':!*.ts' ':!*.tsx' ':!*.json')
((${#scripts[@]} > 0)) || { echo "no scripts found (not a git checkout?)" >&2; exit 1; }
shellcheck -x "${scripts[@]}"
echo "shellcheck: ${#scripts[@]} scripts clean"
