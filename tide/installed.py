"""The versions of the libraries we run on, read from the names of their ``*.dist-info`` folders.

This is what ``importlib.metadata.version`` finds as well; importing it (email, zipfile, csv ...)
cost 20 ms, a tenth of a one-article build's budget, to answer the same question.
"""

from __future__ import annotations

import functools
import os
import re
import sys


@functools.cache
def versions() -> dict[str, str]:
    """Normalised distribution name -> version, the first found on ``sys.path`` winning (as imports do)."""
    found: dict[str, str] = {}
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                dist, _, version = name.removesuffix(".dist-info").partition("-")
                found.setdefault(_normal(dist), version)
    return found


def version(distribution: str) -> str:
    """The installed version of ``distribution``, or "missing" (then the import itself will fail)."""
    return versions().get(_normal(distribution), "missing")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
