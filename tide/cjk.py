"""Chinese text as pure functions: reading time, summary cut, slugs and heading ids."""

from __future__ import annotations

import math
import re
import unicodedata

# Han ideographs (with extensions), CJK punctuation is not counted: readers skim it.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef\u3040-\u30ff\uac00-\ud7af"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_LATIN_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:['’.\-][A-Za-z0-9\u00c0-\u024f]+)*")
_SENTENCE_END = "。！？!?；;…"
_CLOSERS = "”’」』）)》】\"'"
_WORD_CHAR = re.compile(r"[A-Za-z0-9\u00c0-\u024f]")


def count_words(text: str) -> tuple[int, int]:
    """Return (CJK characters, Latin words): Chinese readers read the two at different speeds."""
    cjk = sum(map(len, _CJK_RUN.findall(text)))  # runs, not characters: far fewer objects to build
    return cjk, len(_LATIN_WORD.findall(text))


def reading_minutes(cjk: int, latin: int, cjk_per_minute: int, words_per_minute: int) -> int:
    """Minutes to read ``cjk`` characters and ``latin`` words, rounded up, never less than one.

    >>> reading_minutes(*count_words("字" * 800 + " word" * 100), 400, 200)
    3
    """
    return max(1, math.ceil(cjk / cjk_per_minute + latin / words_per_minute))


def summarize(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, at a sentence end where one is near.

    Never cuts inside a Latin word; adds an ellipsis when the cut is not at a sentence end.

    >>> summarize("小米汽车上线京东。随后销量大涨。", 10)
    '小米汽车上线京东。'
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    window = text[:limit]
    end = _last_sentence_end(window)
    if end >= limit * 0.4:
        return window[:end]
    cut = limit - 1  # leave room for the ellipsis
    while cut > 0 and _WORD_CHAR.match(text[cut - 1]) and _WORD_CHAR.match(text[cut]):
        cut -= 1
    return text[:cut].rstrip(" ，、,：:（(《“‘") + "…"


def _last_sentence_end(window: str) -> int:
    """Index just past the last sentence end (with its closing quotes) inside ``window``, or 0."""
    for i in range(len(window) - 1, -1, -1):
        if window[i] in _SENTENCE_END:
            j = i + 1
            while j < len(window) and window[j] in _CLOSERS:
                j += 1
            if j < len(window) and window[j] in _CLOSERS:  # closing quote cut off by the limit
                continue
            return j
    return 0


SLUGS: dict[str, str] = {}  # text -> slug; kept in the build cache so pypinyin (0.4 s to load) is rarely needed


def slugify(text: str, max_length: int = 60) -> str:
    """A readable ASCII slug: pinyin for Chinese, words kept for Latin text.

    >>> slugify("小米 SU7 上市")
    'xiao-mi-su7-shang-shi'
    """
    key = f"{max_length}:{text}"
    if key not in SLUGS:
        SLUGS[key] = _slugify(text, max_length)
    return SLUGS[key]


def _slugify(text: str, max_length: int) -> str:
    from pypinyin import Style, lazy_pinyin  # loads large dictionaries: only when a new name needs it

    parts = lazy_pinyin(text, style=Style.NORMAL)
    ascii_text = "-".join(unicodedata.normalize("NFKD", p).encode("ascii", "ignore").decode() for p in parts)
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[: max_length + 1].rsplit("-", 1)[0]
    return slug


def heading_id(text: str, separator: str = "-") -> str:
    """A readable, HTML-valid id for a heading; Chinese stays Chinese.

    >>> heading_id("一、渠道：从线下到线上")
    '一-渠道-从线下到线上'
    """
    kept = re.sub(rf"[^{_CJK}A-Za-z0-9]+", separator, text.lower())
    return kept.strip(separator) or "section"


def curl_quotes(segments: list[str]) -> list[str]:
    """Pair straight double quotes as “ ” across the text pieces of one block.

    Left alone when the count is odd: a wrong guess is worse than a straight quote.

    >>> curl_quotes(['做"东方的', '星巴克"。'])
    ['做“东方的', '星巴克”。']
    """
    total = sum(s.count('"') for s in segments)
    if total == 0 or total % 2:
        return segments
    opening = True
    out = []
    for segment in segments:
        pieces = segment.split('"')
        for i in range(1, len(pieces)):
            pieces[i] = ("“" if opening else "”") + pieces[i]
            opening = not opening
        out.append("".join(pieces))
    return out
