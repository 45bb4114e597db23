"""``cjk-punctuation``: half-width punctuation in Chinese text, full-width punctuation between
Latin words, doubled punctuation; each finding with its fix (character for character, plus the
spaces a half-width mark brought with it).

Written here rather than taken from autocorrect-py (tried first, 2.14): its ``fullwidth`` rule
leaves ``;``, half-width parentheses (``京东(JD)上市``) and a mark after emphasis (``**京东**,小米``)
alone, has no rule for full-width marks between Latin words or for ``。。``, and reports a whole
line where the fix must name each mark. Its other rules insert spaces between Chinese and Latin
text, which this theme leaves to CSS ``text-autospace``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .prose import MASK

TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
TO_HALF = {v: k for k, v in TO_FULL.items()}
TRANSPARENT = "*_~"  # emphasis markers: ``**京东**,`` touches 东
DOUBLED = re.compile(r"([。，、；：])\1+|[，,][，,]+|。{3,}")


@dataclass(frozen=True, slots=True)
class Mark:
    """One finding in one line: ``before`` at column ``start`` (0-based) should be ``after``."""

    start: int
    before: str
    after: str
    message: str


def is_cjk(ch: str) -> bool:
    """A Chinese (or Japanese, Korean) character or a full-width mark."""
    if not ch:
        return False
    c = ord(ch)
    return 0x3000 <= c <= 0x303F or 0x3400 <= c <= 0x9FFF or 0xF900 <= c <= 0xFAFF or 0xFF01 <= c <= 0xFF60 or 0x20000 <= c <= 0x3FFFF


def _neighbour(text: str, i: int, step: int, spaces: bool = False) -> tuple[str, int]:
    """The character beside ``text[i]`` (``step`` -1: before, 1: after), past emphasis markers
    (and spaces, when asked), with its index; ("", -1 or len) at either end."""
    j = i + step
    while 0 <= j < len(text) and (text[j] in TRANSPARENT or (spaces and text[j] == " ")):
        j += step
    return (text[j], j) if 0 <= j < len(text) else ("", j)


HALF = re.compile(r"[,:;?!()]")
FULL_IN_LATIN = re.compile(r"(?<=[A-Za-z0-9])( *)([，：；？！])(?= *[A-Za-z0-9])")


# Where a finding may be (more than there are): a half-width mark (not an image's !), a full-width
# one between Latin letters or digits, or one before another mark. Each alternative starts with a set of characters, so
# the scan skips the rest of the text quickly (most lines have none).
ANY = re.compile(r"[,:;?()]|!(?!\[)|[。，、；：！？](?:(?:(?<=[A-Za-z0-9][，：；？！])|(?<=[A-Za-z0-9] [，：；？！]))(?= ?[A-Za-z0-9])|[。，、；：,])")


def marks(masked: str, credit_words: tuple[str, ...] = ()) -> list[Mark]:
    """Every finding in one masked line (``prose.mask``), left to right, none overlapping."""
    if not ANY.search(masked):
        return []
    found = _doubled(masked) + _full_width_in_latin(masked)
    if HALF.search(masked):
        found += _half_width(masked, credit_words)
    found.sort(key=lambda m: m.start)
    kept: list[Mark] = []
    for m in found:
        if not kept or m.start >= kept[-1].start + len(kept[-1].before):
            kept.append(m)
    return kept


def _half_width(text: str, credit_words: tuple[str, ...]) -> list[Mark]:
    flagged: set[int] = set()
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for m in re.finditer(r"[()]", text):
        i = m.start()
        if text[i] == "(":
            stack.append(i)
        elif stack:
            j = stack.pop()
            pairs[i], pairs[j] = j, i
    for m in HALF.finditer(text):
        i, ch = m.start(), m.group()
        before, after = _neighbour(text, i, -1)[0], _neighbour(text, i, 1)[0]
        if not (is_cjk(before) or is_cjk(after)):
            continue
        if before.isdigit() and after.isdigit():  # 2,000  10:30
            continue
        if ch == "!" and text[i + 1 : i + 2] == "[":  # an image: ![…](…)
            continue
        if ch == ":" and _credit(text, i, credit_words):
            continue
        flagged.add(i)
        j = i + 1
        while text[j : j + 1] == ch and ch not in "()":  # 京东!! -> 京东！！
            flagged.add(j)
            j += 1
        if i in pairs:
            flagged.add(pairs[i])  # 京东(JD): both parentheses, or the fix would leave them unmatched
    found = []
    for i in sorted(flagged):
        start, end = i, i + 1
        # Spaces on a side that leads to Chinese text go with the mark: "京东, 小米" -> "京东，小米".
        left, at = _neighbour(text, i, -1, spaces=True)
        if is_cjk(left) and text[at + 1 : i].strip() == "":
            start = at + 1
        right, at = _neighbour(text, i, 1, spaces=True)
        if is_cjk(right) and text[i + 1 : at].strip() == "":
            end = at
        found.append(Mark(start, text[start:end], TO_FULL[text[i]], f"half-width '{text[i]}' in Chinese text: use '{TO_FULL[text[i]]}'"))
    return found


def _credit(text: str, i: int, words: tuple[str, ...]) -> bool:
    """The colon of a credit at the start of a caption or a line (图源:京东): the content format's."""
    head = text[:i].rstrip(" ")
    for w in words:
        if head.endswith(w):
            k = len(head) - len(w)
            if k == 0 or text[k - 1] == MASK or not text[:k].strip():
                return True
    return False


def _full_width_in_latin(text: str) -> list[Mark]:
    """A full-width mark with a Latin letter or digit on both sides (spaces between allowed)."""
    found = []
    for m in FULL_IN_LATIN.finditer(text):
        ch = m.group(2)
        found.append(Mark(m.start(2), ch, TO_HALF[ch], f"full-width '{ch}' between Latin words: use '{TO_HALF[ch]}'"))
    return found


def _doubled(text: str) -> list[Mark]:
    found = []
    for m in DOUBLED.finditer(text):
        run = m.group(0)
        after = "……" if run.startswith("。。。") else "，" if run[0] in ",，" else run[0]
        found.append(Mark(m.start(), run, after, f"doubled punctuation '{run}': use '{after}'"))
    return found


def fixed(line: str, found: list[Mark]) -> str:
    """``line`` with every mark's fix (right to left, so the columns hold)."""
    for m in sorted(found, key=lambda m: m.start, reverse=True):
        assert line[m.start : m.start + len(m.before)] == m.before
        line = line[: m.start] + m.after + line[m.start + len(m.before) :]
    return line
