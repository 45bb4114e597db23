"""The theme's own files (templates/static/), minified and fingerprinted: ``style.css`` -> ``static/style.3f2a9c1e.css``.

Templates name them through ``asset("style.css")``, so a page always points at the bytes it
was built with and a deploy never serves a stale stylesheet. The preview publishes them under
their plain names instead: a stylesheet edit is then swapped into the open page in place,
without drawing every page again.
"""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass, field
from pathlib import Path

import rcssmin
import rjsmin

from .output import files_under

_MINIFY = {".css": lambda text: rcssmin.cssmin(text), ".js": lambda text: rjsmin.jsmin(text)}


@dataclass
class Assets:
    urls: dict[str, str] = field(default_factory=dict)  # name in static/ -> output path, e.g. static/style.3f2a9c1e.css
    data: dict[str, bytes] = field(default_factory=dict)  # output path -> bytes
    sources: dict[str, str] = field(default_factory=dict)  # output path -> where it comes from, for collision messages


def collect(folder: Path, generated: dict[str, str], fingerprint: bool) -> Assets:
    """Every file under ``folder`` plus ``generated`` ones (name -> text), ready to write."""
    assets = Assets()
    found = {name: (p.read_bytes(), f"templates/static/{name}") for name, p in files_under(folder, "").items()}
    found.update((name, (text.encode(), f"generated {name}")) for name, text in generated.items())
    for name, (data, source) in sorted(found.items()):
        stem, ext = posixpath.splitext(name)
        minify = _MINIFY.get(ext.lower())
        if minify:
            data = minify(data.decode("utf-8")).encode()
        out = f"static/{stem}.{hashlib.blake2b(data, digest_size=4).hexdigest()}{ext}" if fingerprint else f"static/{name}"
        assets.urls[name], assets.data[out], assets.sources[out] = out, data, source
    return assets
