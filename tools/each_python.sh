#!/usr/bin/env bash
# `make test-all`: the whole suite on every supported Python this machine has (each in its own
# .venv-X.Y), then the tests that start processes once more with spawned workers. A Python that
# is not here is skipped with a line saying so; the run fails if any suite fails or none ran.
set -uo pipefail
cd "$(dirname "$0")/.."
versions=${PYTHONS:-"3.11 3.12 3.13"}

find_python() {  # the newest interpreter of version $1: on PATH, else under pyenv's versions
  local v=$1 found
  found=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python"$v" 2>/dev/null | sort -V | tail -n 1)
  [ -n "$found" ] || found=$(command -v "python$v" 2>/dev/null)
  echo "$found"
}

results=() failed=0 ran=0 last=""
for v in $versions; do
  py=$(find_python "$v")
  if [ -z "$py" ]; then
    echo "=== Python $v: SKIPPED, not on this machine (looked for python$v on PATH and under ${PYENV_ROOT:-$HOME/.pyenv}/versions/)"
    results+=("Python $v: skipped (not installed)")
    continue
  fi
  echo "=== Python $v: $py"
  if make test PYTHON="$py" VENV=".venv-$v"; then results+=("Python $v: passed"); else results+=("Python $v: FAILED"); failed=1; fi
  ran=$((ran + 1)) last=$v
done
if [ -n "$last" ]; then
  echo "=== Python $last, workers spawned (TIDE_START_METHOD=spawn)"
  if make test-spawn PYTHON="$(find_python "$last")" VENV=".venv-$last"; then results+=("Python $last, spawn: passed"); else results+=("Python $last, spawn: FAILED"); failed=1; fi
fi
echo "=== summary"
printf '  %s\n' "${results[@]}"
if [ "$ran" -eq 0 ]; then
  echo "no supported Python found: nothing was tested" >&2
  exit 1
fi
exit $failed
