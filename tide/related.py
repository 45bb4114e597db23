"""Related articles: most shared tags first, then the same category, then nearest in time."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

# The articles are site.Entry and their tags and category site.Term: not imported, this module
# sits above site.py (which calls it); it reads doc.tags, doc.category, tags, category, members.
Entry = Any
Term = Any


def link_related(articles: list[Entry], count: int, memo: dict[str, Any], window: int = 8) -> None:
    """Related articles: most shared tags first, then the same category, then nearest in time.

    Only the ``window`` articles on either side in time within each tag are weighed, so the
    cost stays flat when a tag holds thousands of articles. Articles are counted by their rank
    (newest first) with ``Counter``, which does the counting in C. The answer depends only on the
    order of the articles and their tags and categories: ``memo`` (kept in the build cache) holds
    the last one, so a build that changed no tag, category or date does not work it out again.
    """
    key = hashlib.blake2b(repr((count, window, [(a.doc.tags, a.doc.category) for a in articles])).encode(), digest_size=16).hexdigest()
    if memo.get("key") == key:
        for article, ranks in zip(articles, memo["ranks"], strict=True):
            article.related = [articles[r] for r in ranks]
        return
    found = _rank_related(articles, count, window)
    for article, ranks in zip(articles, found, strict=True):
        article.related = [articles[r] for r in ranks]
    memo.clear()
    memo.update(key=key, ranks=found)


def _rank_related(articles: list[Entry], count: int, window: int) -> list[list[int]]:
    rank = {id(a): i for i, a in enumerate(articles)}
    ranks: dict[int, list[int]] = {}  # term id -> ranks of its members, in order
    places: dict[int, dict[int, int]] = {}  # term id -> rank -> index in the term's list

    def near(term: Term, mine: int) -> list[int]:
        key = id(term)
        if key not in ranks:
            ranks[key] = [rank[id(a)] for a in term.members]
            places[key] = {r: i for i, r in enumerate(ranks[key])}
        i = places[key][mine]
        return ranks[key][max(0, i - window) : i + window + 1]

    found = []
    for mine, article in enumerate(articles):
        shared: Counter[int] = Counter()
        for tag in article.tags:
            shared.update(near(tag, mine))
        score = {r: 2 * n for r, n in shared.items()}
        if article.category:
            for r in near(article.category, mine):
                score[r] = score.get(r, 0) + 1
        score.pop(mine, None)
        best = sorted([(-s, abs(r - mine), r) for r, s in score.items()])[:count]  # what heapq.nsmallest gives, faster for small lists
        found.append([r for _, _, r in best])
    return found
