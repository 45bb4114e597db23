"""Related articles: most shared tags first, then the same category, then nearest in time."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .site import Entry, Term


def link_related(articles: list[Entry], count: int, window: int = 8) -> None:
    """Related articles: most shared tags first, then the same category, then nearest in time.

    Only the ``window`` articles on either side in time within each tag are weighed, so the
    cost stays flat when a tag holds thousands of articles. Articles are counted by their rank
    (newest first) with ``Counter``, which does the counting in C: this ran for seconds at 10,000.
    """
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
        article.related = [articles[r] for _, _, r in best]
