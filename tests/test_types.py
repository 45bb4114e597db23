"""The engine type-checks under mypy --strict (settings in pyproject.toml): a renamed field or a
deleted method is caught here before a build trips over it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_engine_type_checks() -> None:
    done = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", "/dev/null"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
