"""Python-Markdown, made cheaper for our texts without changing its output.

Most of Markdown's time goes to asking every part of it whether it has work to do: every block
processor tests every block, every inline pattern searches every piece of text, and some whole
stages (fenced code, raw HTML, attribute lists, escapes) walk every document. A part can only have
work where the text holds what it looks for (a table needs '|', a link '[', fenced code
three backticks), so each part is asked only when its marker is present. The parts run exactly as
Python-Markdown runs them otherwise; ``tests/test_markup.py`` checks on generated texts that the
output is the stock output, byte for byte.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree
from collections.abc import Sequence
from typing import Any

from markdown import Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.inlinepatterns import Pattern
from markdown.treeprocessors import InlineProcessor
from markdown.util import AtomicString, Registry

Needs = tuple[str, ...]  # a part can have work only if the text holds one of these

# Whole stages: what the document must hold for the stage to change anything.
STAGE_NEEDS: dict[tuple[str, str], Needs] = {
    ("preprocessors", "fenced_code_block"): ("```", "~~~"),  # a fence opens with three of either
    ("preprocessors", "html_block"): ("<", "&"),  # its HTML parser passes other text through as it is
    ("treeprocessors", "attr_list"): ("{",),  # every attribute list is in braces
    ("treeprocessors", "unescape"): ("\\",),  # only the escape pattern makes what it restores
}

# Block processors (markdown/blockprocessors.py), by what their test or run must find in a block.
BLOCK_NEEDS: dict[str, Needs] = {
    "table": ("|",),
    "hashheader": ("#",),
    "setextheader": ("\n=", "\n-"),
    "hr": ("-", "_", "*"),
    "quote": (">",),
    "footnote": ("[^",),  # (its test is always true; its run searches for a definition)
    "reference": ("]:",),  # (likewise)
}

# Inline patterns (markdown/inlinepatterns.py, extensions/footnotes.py): what a match contains.
INLINE_NEEDS: dict[str, Needs] = {
    "backtick": ("`",),
    "escape": ("\\",),
    "reference": ("[",),
    "link": ("[",),
    "image_link": ("![",),
    "image_reference": ("![",),
    "short_reference": ("[",),
    "short_image_ref": ("![",),
    "autolink": ("<",),
    "automail": ("<",),
    "linebreak": ("  \n",),
    "html": ("<",),
    "entity": ("&",),
    "footnote": ("[^",),
}


class FastMarkdown(Markdown):
    """``markdown.Markdown`` whose parts are asked only when the text holds their markers."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = ""
        for (stage, name), needs in STAGE_NEEDS.items():
            registry = getattr(self, stage)
            if name in registry:
                _gate_stage(self, registry[name], needs, returns_input=stage == "preprocessors")
        self.parser.parseBlocks = self._parse_blocks  # type: ignore[method-assign]  # (processors call it for nested blocks too)
        self._block_steps: list[tuple[BlockProcessor, Needs | None]] = []
        self.treeprocessors.register(_FastInlineProcessor(self), "inline", 20)
        self._block_level: dict[str, bool] = {}

    def is_block_level(self, tag: Any) -> bool:
        """The stock answer, remembered per tag: it looks the tag up in a list, for every element."""
        if not isinstance(tag, str):
            return False
        found = self._block_level.get(tag)
        if found is None:
            found = self._block_level[tag] = super().is_block_level(tag)
        return found

    def convert(self, source: str) -> str:
        self.source = source
        self._block_level = {}  # (extensions may change the list between documents, never during one)
        self._block_steps = [(p, BLOCK_NEEDS.get(name)) for name, p in _named(self.parser.blockprocessors)]
        return super().convert(source)

    def _parse_blocks(self, parent: etree.Element, blocks: list[str]) -> None:
        """``BlockParser.parseBlocks``, with the processor list read once and tests skipped where
        the block lacks their markers."""
        steps = self._block_steps
        while blocks:
            block = blocks[0]
            for processor, needs in steps:
                if needs is not None and not _holds(block, needs):
                    continue
                if processor.test(parent, block) and processor.run(parent, blocks) is not False:
                    break


def _holds(text: str, needs: Needs) -> bool:
    for needle in needs:
        if needle in text:
            return True
    return False


def _named(registry: Registry[Any]) -> list[tuple[str, Any]]:
    """A registry's (name, item) pairs in the order it runs them."""
    items = list(registry)  # (sorts the registry)
    names = [entry.name for entry in registry._priority]  # type: ignore[attr-defined]  # (no public way to list names)
    return list(zip(names, items, strict=True))


def _gate_stage(md: FastMarkdown, processor: Any, needs: Needs, returns_input: bool) -> None:
    run = processor.run

    def gated(arg: Any) -> Any:
        if _holds(md.source, needs):
            return run(arg)
        return arg if returns_input else None  # (a preprocessor returns its lines; a tree processor None)

    processor.run = gated


class _FastInlineProcessor(InlineProcessor):
    """The stock inline processor; each piece of text tries only the patterns whose markers it holds."""

    def __init__(self, md: Markdown) -> None:
        super().__init__(md)
        self._needles: list[tuple[int, str]] = []  # (bit, marker)
        self._plans: dict[int, list[int]] = {}  # which markers a text holds -> the patterns to try
        self._needs: list[Needs | None] = []
        self._names: list[str] = []

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        named = _named(self.md.inlinePatterns)
        if [name for name, _ in named] != self._names:  # (plans hold for every text while the patterns stay)
            self._names = [name for name, _ in named]
            self._needs = [_inline_needs(name, pattern) for name, pattern in named]
            markers = sorted({m for needs in self._needs if needs for m in needs})
            self._needles = [(1 << i, m) for i, m in enumerate(markers)]
            self._plans = {}
        registry = self.inlinePatterns
        self.inlinePatterns = [p for _, p in named]  # type: ignore[assignment]  # a list indexes far faster than the Registry
        try:
            return super().run(tree, ancestors)
        finally:
            self.inlinePatterns = registry

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        """The stock loop (markdown/treeprocessors.py) over the patterns this text can match.

        Applying a pattern only swaps text for placeholders, so markers found at the start may
        be gone later, never new ones: the plan may try a pattern in vain, never skip one that
        could match."""
        if isinstance(data, AtomicString):
            return data
        held = 0
        for bit, marker in self._needles:
            if marker in data:
                held |= bit
        plan = self._plans.get(held)
        if plan is None:
            plan = self._plans[held] = self._plan(held)
        patterns = self.inlinePatterns
        for index in plan:
            if index < patternIndex:
                continue
            start = 0
            while True:
                data, matched, start = self._InlineProcessor__applyPattern(patterns[index], data, index, start)  # type: ignore[attr-defined]
                if not matched:
                    break
        return data

    def _plan(self, held: int) -> list[int]:
        bits = {marker: bit for bit, marker in self._needles}
        return [i for i, needs in enumerate(self._needs) if needs is None or any(held & bits[m] for m in needs)]


def _inline_needs(name: str, pattern: Pattern) -> Needs | None:
    if name in INLINE_NEEDS:
        return INLINE_NEEDS[name]
    tokens: Sequence[str] | None = getattr(pattern, "tokens", None)  # the emphasis processor lists its delimiters
    return tuple(tokens) if name == "em_strong" and tokens else None
