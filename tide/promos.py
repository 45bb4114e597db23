"""Promos from site.yaml and data/promos.yaml: which run now, and when the clock next changes that."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from .config import SiteConfig
from .content import parse_datetime
from .errors import ErrorList


def active_promos(config: SiteConfig, now: datetime, content: Path, errors: ErrorList) -> tuple[list[dict[str, Any]], list[datetime]]:
    """The promos running at ``now``, and every start and end (when the clock will change them)."""
    raw = config.data.get("promos") or []
    path = content / "data" / "promos.yaml"
    if not isinstance(raw, list):
        errors.add(path, 1, "promos must be a list of {title, text, url, start, end}")
        return [], []
    raw = config.promos + raw
    active: list[dict[str, Any]] = []
    moments: list[datetime] = []
    for i, promo in enumerate(raw, start=1):
        if not isinstance(promo, dict) or not isinstance(promo.get("title"), str):
            errors.add(path, 1, f"promo #{i} needs a 'title'")
            continue
        window = [parse_datetime(promo[k], config.timezone) if promo.get(k) else None for k in ("start", "end")]
        bad = [w for w in window if isinstance(w, str)]
        if bad:
            errors.add(path, 1, f"promo #{i} ('{promo['title']}'): {bad[0]}")
            continue
        start, end = (w if isinstance(w, datetime) else None for w in window)  # (strings were reported above)
        moments += [w for w in (start, end) if w is not None]
        if (start is None or start <= now) and (end is None or now < end):
            active.append({"label": "推广", "text": "", "url": "", "link_text": "了解详情", **promo})
    return active, moments
