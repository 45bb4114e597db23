"""What the lines of a WeChat article are: picture credits, captions, the editors' credit line,
boilerplate. Defaults for the shapes WeChat articles have; ``import:`` in site.yaml adds its own.

Every rule matches a whole line (a paragraph) and never a part of one: the importer keeps the
words exactly as written, so a rule either takes a line for what it is or leaves it alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
BULLETS = "●•·▪◆■□○◇▶►★☆*＊-—"

# A picture's credit: "●图源:京东", "●图源 :微博@小米公司", "图源：网络", "图片来源｜视觉中国".
CREDIT_WORDS = ("图源", "图片来源", "图片源自", "来源图片")
# The editors' credit line: "*编排 | 张三 审核 | 李四", "编辑｜王五", "责编:赵六".
EDITOR_ROLES = {
    "编排": "editor",
    "编辑": "editor",
    "责编": "editor",
    "责任编辑": "editor",
    "排版": "editor",
    "审核": "reviewer",
    "审校": "reviewer",
    "校对": "reviewer",
}
# A caption under a picture: "（图/社交媒体截图）", "(图 / 新华社)".
CAPTION = re.compile(r"^[（(]\s*图\s*[/／|｜:：]\s*[^（）()]{1,40}[）)]$")
# Lines that belong to the WeChat account, not to the article (matched against the whole line).
BOILERPLATE = (
    r"^ad\d*\s*(webp|png|jpe?g|gif)?$",  # ad placeholders left by copying
    r"红包.{0,4}福利.{0,4}干货",
    r"(添加|加|扫码加|搜索)\s*(小编|作者)?\s*微信",
    r"微信号\s*[:：]",
    r"都在看$",
    r"^点击.{0,12}关注",
    r"关注我们",
    r"点(个)?[赞在]看",
    r"分享.{0,3}点赞.{0,3}在看",
    r"长按(识别)?(二维码|图片)",
    r"^[-—\s]*END[-—\s]*$",
    r"^(投稿|商务合作|转载|开白).{0,6}[:：请]",
)
# A line after which everything is boilerplate: "往期推荐" and the links under it.
TAIL_MARKERS = (r"^[\s●•·▪◆■□*＊#【\[]*(往期推荐|往期回顾|推荐阅读|往期精选|相关阅读|精彩推荐)[】\]\s]*$",)
DIVIDER = re.compile(r"^[∽～~\-—_=·•*＊\s]{3,}$")


@dataclass(frozen=True, slots=True)
class Rules:
    credit_words: tuple[str, ...] = CREDIT_WORDS
    boilerplate: tuple[re.Pattern[str], ...] = field(default_factory=lambda: tuple(re.compile(p, re.IGNORECASE) for p in BOILERPLATE))
    tail: tuple[re.Pattern[str], ...] = field(default_factory=lambda: tuple(re.compile(p) for p in TAIL_MARKERS))

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None) -> Rules:
        """``import:`` in site.yaml: ``credit_words``, ``boilerplate`` and ``tail`` add to the defaults."""
        settings = settings or {}
        return cls(
            CREDIT_WORDS + tuple(settings.get("credit_words", ())),
            tuple(re.compile(p, re.IGNORECASE) for p in (*BOILERPLATE, *settings.get("boilerplate", ()))),
            tuple(re.compile(p) for p in (*TAIL_MARKERS, *settings.get("tail", ()))),
        )

    def credit(self, line: str) -> str | None:
        """The credit normalised (``图源:京东``: one colon, no bullet, no stray spaces), or None."""
        text = line.strip().lstrip(BULLETS).strip()
        for word in self.credit_words:
            if text.startswith(word):
                rest = text[len(word) :].lstrip()
                if rest[:1] in (":", "：", "|", "｜", "/", "／"):
                    source = rest[1:].strip()
                    if source and len(source) <= 40:
                        return f"{word}:{source}"
        return None

    def is_boilerplate(self, line: str) -> bool:
        return any(p.search(line) for p in self.boilerplate)

    def starts_tail(self, line: str) -> bool:
        return any(p.search(line) for p in self.tail)


def editor_credit(line: str) -> dict[str, str] | None:
    """``{"editor": ..., "reviewer": ...}`` when the whole line is role-name pairs, else None."""
    text = line.strip().lstrip(BULLETS).strip()
    roles = "|".join(sorted(EDITOR_ROLES, key=len, reverse=True))
    pair = rf"({roles})\s*[|｜:：/／]\s*([^\s|｜:：/／]+)"
    if not re.fullmatch(rf"(?:{pair}\s*)+", text):
        return None
    found: dict[str, str] = {}
    for role, name in re.findall(pair, text):
        found.setdefault(EDITOR_ROLES[role], name)
    return found


def is_caption(line: str) -> bool:
    return bool(CAPTION.match(line.strip()))


def is_divider(line: str) -> bool:
    return bool(DIVIDER.match(line)) and any(c in line for c in "∽～~-—_=·•*＊")


def clean(text: str) -> str:
    """Without zero-width characters and with non-breaking spaces as spaces: whitespace only."""
    return text.translate(ZERO_WIDTH).replace("\u00a0", " ")
