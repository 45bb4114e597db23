"""Python-Markdown's inline stage, made cheaper without changing its output.

Profiling a Chinese article showed two thirds of Markdown's time in the inline stage, and most
of that in trying every inline pattern on every piece of text. A pattern can only match text
that holds its first character (a link needs '[', code needs '`'), so we skip it when that
character is absent, and read the patterns from a plain list instead of the Registry.
``tests/test_markup.py`` checks the output is identical to the stock processor's.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Markdown
from markdown.inlinepatterns import Pattern
from markdown.treeprocessors import InlineProcessor
from markdown.util import AtomicString

# What a pattern's match must contain (see markdown/inlinepatterns.py).
TRIGGERS: dict[str, str] = {
    "backtick": "`",
    "escape": "\\",
    "reference": "[",
    "link": "[",
    "image_link": "![",
    "image_reference": "![",
    "short_reference": "[",
    "short_image_ref": "![",
    "autolink": "<",
    "automail": "<",
    "linebreak": "  \n",
    "html": "<",
    "entity": "&",
    "footnote": "[^",
}


class FastInlineProcessor(InlineProcessor):
    """The stock inline processor with a cheap 'can this pattern match here?' test in front."""

    def __init__(self, md: Markdown) -> None:
        super().__init__(md)
        self._triggers: list[str | tuple[str, ...] | None] = []

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        registry = self.md.inlinePatterns
        patterns = list(registry)
        names = registry._priority  # type: ignore[attr-defined]  # (the registry's names in order; no public way to list them)
        self._triggers = [_triggers(item.name, p) for item, p in zip(names, patterns, strict=True)]
        self.inlinePatterns = patterns  # type: ignore[assignment]  # a list indexes far faster than the Registry
        try:
            return super().run(tree, ancestors)
        finally:
            self.inlinePatterns = registry  # type: ignore[assignment]  # (Markdown's stubs type the two registries apart)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        """The stock loop (markdown/treeprocessors.py), skipping patterns that cannot match ``data``."""
        if isinstance(data, AtomicString):
            return data
        patterns, triggers = self.inlinePatterns, self._triggers
        start, count = 0, len(patterns)
        while patternIndex < count:
            needed = triggers[patternIndex]
            if needed is not None and not _present(needed, data):
                patternIndex, start = patternIndex + 1, 0
                continue
            data, matched, start = self._InlineProcessor__applyPattern(patterns[patternIndex], data, patternIndex, start)  # type: ignore[attr-defined]
            if not matched:
                patternIndex += 1
        return data


def _present(needed: str | tuple[str, ...], data: str) -> bool:
    return needed in data if type(needed) is str else any(t in data for t in needed)


def _triggers(name: str, pattern: Pattern) -> str | tuple[str, ...] | None:
    if name in TRIGGERS:
        return TRIGGERS[name]
    tokens = getattr(pattern, "tokens", None)  # the emphasis processor lists its delimiters
    return tuple(tokens) if name == "em_strong" and tokens else None


def install(md: Markdown) -> None:
    """Swap the stock inline processor for the fast one; Markdown's registry keeps its place."""
    md.treeprocessors.register(FastInlineProcessor(md), "inline", 20)
