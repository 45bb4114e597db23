"""Reusing a page's blocks when only its layout changed.

A page template (``article.html``) fills the blocks of the layout it extends (``base.html``). An
edit to the layout changes every page, yet what the page template put into its blocks, most of
each page, comes out as before. So each page is drawn with its blocks *tapped*: the text each
block produced and where it stands in the page are noted in the page's record. When the next
build finds that nothing but the layouts changed for a page, it draws the layout again and takes
the blocks' text from the page as last written, instead of running them.

That is safe only when a block cannot see the layout. The layout's code runs in the same context,
so this module reads every template's syntax once (``facts``) and allows reuse (``layering``)
only when no template the page template brings in loads a name the layouts set at their top level
(a ``set``, macro or import there lands in the shared context), none calls ``super()`` or ``self``,
and no layout declares a ``scoped`` block (which hands its loop variables to the block). What a
block reads from the site is kept apart (``Tap.reads``) so that it joins the block's signature.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.runtime import Context

from .site import Tracker
from .store import TemplateFacts

# Layout statements whose names stay inside them: a set in a loop or a macro does not reach a block.
_SCOPES = (nodes.For, nodes.Macro, nodes.CallBlock, nodes.FilterBlock, nodes.With, nodes.Block)


def facts(env: jinja2.Environment, source: str) -> TemplateFacts:
    try:
        ast = env.parse(source)
    except jinja2.TemplateSyntaxError:  # rendering reports it; a parent not known reuses nothing
        return TemplateFacts(frozenset(), None, frozenset(), frozenset(), False, frozenset(), None)
    found = set(meta.find_referenced_templates(ast)) | set(_fragments(ast))
    extends = list(ast.find_all(nodes.Extends))
    top = [n for n in ast.body if isinstance(n, nodes.Extends)]
    parent: str | None = ""
    if extends:
        name = top[0].template if len(extends) == len(top) == 1 else None
        parent = name.value if isinstance(name, nodes.Const) and isinstance(name.value, str) else None
    return TemplateFacts(
        refs=None if None in found else frozenset(str(f) for f in found),
        parent=parent,
        exported=frozenset(_exported(ast)),
        loaded=frozenset(n.name for n in ast.find_all(nodes.Name) if n.ctx == "load"),
        scoped=any(b.scoped for b in ast.find_all(nodes.Block)),
        blocks=frozenset(b.name for b in ast.find_all(nodes.Block)),
        captured=_captured(ast),
    )


def _fragments(ast: nodes.Template) -> Iterator[str | None]:
    """The templates drawn by ``fragment(name, item)`` calls (``templates.Templates.fragment``);
    None for a name computed at run time."""
    for call in ast.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == "fragment":
            first = call.args[0] if call.args else None
            yield first.value if isinstance(first, nodes.Const) and isinstance(first.value, str) else None


# Statements that gather what is inside them into a value instead of writing it where it stands.
_CAPTURES = (nodes.FilterBlock, nodes.Macro, nodes.CallBlock, nodes.AssignBlock)


def _captured(ast: nodes.Node) -> frozenset[str] | None:
    found: set[str] = set()
    return frozenset(found) if _gather_captured(ast, False, found) else None


def _gather_captured(node: nodes.Node, inside: bool, found: set[str]) -> bool:
    """Add to ``found`` the blocks below ``node`` that are taken in as a value; False when
    ``self`` is used in a way that could take in any of them."""
    for child in node.iter_child_nodes():
        if isinstance(child, nodes.Getattr) and isinstance(child.node, nodes.Name) and child.node.name == "self":
            found.add(child.attr)
            continue
        if isinstance(child, nodes.Name) and child.name == "self":
            return False  # self["main"], self passed to a macro ...
        if isinstance(child, nodes.Block) and inside:
            found.add(child.name)
        if not _gather_captured(child, inside or isinstance(child, _CAPTURES), found):
            return False
    return True


def _exported(node: nodes.Node) -> Iterator[str]:
    for child in node.iter_child_nodes():
        if isinstance(child, (nodes.Assign, nodes.AssignBlock)):
            target = child.target
            if isinstance(target, (nodes.Name, nodes.NSRef)):  # (find_all looks below a node, not at it)
                yield target.name
            yield from (n.name for n in target.find_all(nodes.Name))
        elif isinstance(child, nodes.Macro):
            yield child.name
        elif isinstance(child, nodes.Import):
            yield child.target
        elif isinstance(child, nodes.FromImport):
            yield from (n if isinstance(n, str) else n[1] for n in child.names)
        if not isinstance(child, _SCOPES):
            yield from _exported(child)  # an if at the top level does not scope its sets


@dataclass(frozen=True)
class Layering:
    """A page template whose blocks may be reused: its layouts, the blocks it fills, and the
    templates its own code can load (the page template and what it includes or imports)."""

    layouts: frozenset[str]
    blocks: frozenset[str]
    own: frozenset[str]
    raw: frozenset[str] = frozenset()  # blocks whose last text may go into the page as bytes (``Tap``)


def layering(name: str, facts_of: Callable[[str], TemplateFacts]) -> Layering | None:
    """None when a block of ``name`` could see its layouts, or when ``name`` extends nothing."""
    layouts: list[str] = []
    current = facts_of(name).parent
    while current:
        if current in layouts or current == name:
            return None
        layouts.append(current)
        current = facts_of(current).parent
    if current is None or not layouts:
        return None
    exported = {"self", "super"}
    for layout in layouts:
        f = facts_of(layout)
        if f.scoped:
            return None
        exported |= f.exported
    own: set[str] = set()
    todo = [name]
    while todo:  # what the page template loads, not counting its layouts (their includes are theirs)
        current = todo.pop()
        if current in own or current in layouts:
            continue
        own.add(current)
        f = facts_of(current)
        if f.refs is None or f.loaded & exported:
            return None
        todo.extend(f.refs)
    blocks = facts_of(name).blocks
    captured: set[str] = set()
    for template in (name, *layouts):
        taken = facts_of(template).captured
        if taken is None:
            captured = set(blocks)
            break
        captured |= taken
    return Layering(frozenset(layouts), blocks, frozenset(own), blocks - captured)


class Tap:
    """Runs one page's render with its blocks tapped: notes each block's text and its place in
    the page (``spans``, in bytes), and what the blocks read from the site (``reads``).

    ``given``: a block's text from the last drawing, used instead of running the block. Given as
    bytes (for blocks in ``Layering.raw``), it goes into the page as it was written, never decoded:
    the layout gets a stand-in string for it, found again by identity among the parts. Decoding
    and encoding again the article's body was a sixth of a theme edit's work per page.
    """

    def __init__(self, blocks: frozenset[str], tracker: Tracker, given: dict[str, str | bytes] | None = None) -> None:
        self.blocks, self.tracker, self.given = blocks, tracker, given or {}
        self.seen: list[tuple[str, str]] = []  # (block, its text or stand-in) in the order they ran
        self.reads: set[str] = set()
        self.spans: tuple[tuple[str, int, int], ...] = ()
        self._raw: dict[int, bytes] = {}  # id of a stand-in -> the bytes it stands for

    def render(self, template: jinja2.Template, ctx: Context) -> bytes:
        """The page, encoded; ``spans`` gets (block, start, end) in its bytes for each block found in it."""
        for name in self.blocks & ctx.blocks.keys():
            ctx.blocks[name][0] = self._tapped(name, ctx.blocks[name][0])
        try:
            chunks = template.root_render_func(ctx)
            parts = [next(chunks, "")]  # the page template's own top level has run: its sets feed the blocks
            if self.tracker.current is not None:
                self.reads |= self.tracker.current
            parts.extend(chunks)
        except Exception:  # noqa: BLE001  Jinja maps the traceback to template lines
            template.environment.handle_exception()
        # Parts are encoded one by one (in C: map), so that each block's place is known in bytes;
        # a stand-in's bytes are then swapped for those of the block it stands for. Each stand-in
        # is a string of its own, made for one run of its block: not among the parts, it went into
        # a value instead (the syntax facts should make this impossible: a guard, not a path).
        # (Looking for its text in the page's bytes instead cost a 40th of a layout edit.)
        encoded = list(map(str.encode, parts))
        ids = list(map(id, parts))
        for stand_in, data in self._raw.items():
            at = _index(ids, stand_in)
            if at is None:
                raise StandInLeaked
            while at is not None:
                encoded[at] = data
                at = _index(ids, stand_in, at + 1)
        page = b"".join(encoded)
        # Where each block's text went into the page as it was (not through a filter or
        # self.name()): the very string the tap yielded is one of the parts (``find`` cost 30 µs),
        # found by identity in C (``list.index``), its first occurrence.
        starts = list(accumulate(map(len, encoded), initial=0))
        spans: dict[str, tuple[str, int, int]] = {}
        for name, text in self.seen:
            if name not in spans and (at := _index(ids, id(text))) is not None:
                spans[name] = (name, starts[at], starts[at + 1])
        self.spans = tuple(sorted(spans.values()))
        return page

    def _tapped(self, name: str, block: Callable[[Any], Iterator[str]]) -> Callable[[Any], Iterator[str]]:
        def run(context: Any) -> Iterator[str]:
            given = self.given.get(name)
            if given is None:
                text = self._run(block, context)
            elif isinstance(given, bytes):
                text = "".join((_STAND_IN, name, "\x00"))  # a new string object: its id names it
                self._raw[id(text)] = given
            else:
                text = given
            self.seen.append((name, text))
            yield text

        return run

    def _run(self, block: Callable[[Any], Iterator[str]], context: Any) -> str:
        """Run a block, keeping what it reads apart as well (``reads``)."""
        outer = self.tracker.current
        if outer is None:  # (not noting reads: a render outside a build)
            return "".join(block(context))
        mine = self.tracker.current = set()
        try:
            return "".join(block(context))
        finally:
            self.tracker.current = outer
            outer |= mine
            self.reads |= mine


_STAND_IN = "\x00tide-block:"


class StandInLeaked(Exception):
    """A block given as bytes was taken in as a value after all: draw the page with its text."""


def _index(items: list[int], value: int, start: int = 0) -> int | None:
    try:
        return items.index(value, start)
    except ValueError:
        return None
