#!/usr/bin/env sh
# make's check of its Python: 3.11 or newer, and the one the virtual environment was made with.
# usage: tools/python_check.sh PYTHON VENV
python=$1 venv=$2
if ! command -v "$python" >/dev/null 2>&1; then
  echo "make: no Python called '$python' on this machine; install Python 3.11 or newer, or name one: make PYTHON=/path/to/python3.13" >&2
  exit 1
fi
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || version="?"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "make: '$python' is Python $version; this project needs Python 3.11 or newer (3.11, 3.12 and 3.13 are tested): make PYTHON=/path/to/python3.13" >&2
  exit 1
fi
if [ -x "$venv/bin/python" ]; then
  made=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || made="?"
  if [ "$made" != "$version" ]; then
    echo "make: $venv was made with Python $made, not $version ('$python'); remove it (rm -rf $venv) or give each Python its own: make VENV=.venv-$version PYTHON=$python" >&2
    exit 1
  fi
fi
