"""Draw the sample publication's figures and covers (our own images, from public figures).

Run once after changing the data below: .venv/bin/python tools/draw_figures.py
Needs a CJK font (Debian: fonts-noto-cjk). Output: content/media/*.webp
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

MEDIA = Path(__file__).resolve().parent.parent / "content" / "media"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
INK, MUTED, ACCENT, PAPER = (29, 29, 31), (92, 92, 99), (179, 38, 30), (251, 250, 247)


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(BOLD if bold else FONT, size, index=2)  # index 2: Simplified Chinese


def bar_chart(name: str, title: str, labels: list[str], values: list[float], unit: str, note: str, highlight: int = -1) -> None:
    w, h = 1200, 720
    img = Image.new("RGB", (w, h), PAPER)
    d = ImageDraw.Draw(img)
    d.text((60, 40), title, font=font(44, True), fill=INK)
    d.text((60, 104), f"单位：{unit}", font=font(26), fill=MUTED)
    top, bottom, left, right = 180, h - 110, 60, w - 60
    peak = max(values) * 1.15
    slot = (right - left) / len(values)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x0 = left + i * slot + slot * 0.18
        x1 = left + (i + 1) * slot - slot * 0.18
        y0 = bottom - (bottom - top) * value / peak
        colour = ACCENT if i == (highlight % len(values)) else (160, 150, 140)
        d.rectangle((x0, y0, x1, bottom), fill=colour)
        text = f"{value:,.0f}" if value >= 100 else f"{value:g}"
        tw = d.textlength(text, font=font(28, True))
        d.text(((x0 + x1) / 2 - tw / 2, y0 - 42), text, font=font(28, True), fill=INK)
        lw = d.textlength(label, font=font(26))
        d.text(((x0 + x1) / 2 - lw / 2, bottom + 14), label, font=font(26), fill=INK)
    d.line((left, bottom, right, bottom), fill=INK, width=2)
    d.text((60, h - 50), note, font=font(22), fill=MUTED)
    save(img, name)


def cover(name: str, big: str, small: str, hue: tuple[int, int, int], seed: int) -> None:
    w, h = 1200, 675
    img = Image.new("RGB", (w, h), hue)
    d = ImageDraw.Draw(img, "RGBA")
    for i in range(14):  # tide lines: the publication's motif
        y = 120 + i * 38
        points = [(x, y + 26 * math.sin((x / 150) + seed + i * 0.45)) for x in range(0, w + 20, 20)]
        d.line(points, fill=(255, 255, 255, 40 + i * 6), width=3)
    d.text((70, 70), small, font=font(34), fill=(255, 255, 255, 230))
    size = min(150, (w - 140) // len(big))
    d.text((66, h - 100 - size), big, font=font(size, True), fill=(255, 255, 255, 255))
    save(img, name)


def avatar(name: str, initial: str, hue: tuple[int, int, int]) -> None:
    img = Image.new("RGB", (192, 192), hue)
    d = ImageDraw.Draw(img)
    tw = d.textlength(initial, font=font(96, True))
    d.text((96 - tw / 2, 28), initial, font=font(96, True), fill=(255, 255, 255))
    img.save(MEDIA / "authors" / f"{name}.png", optimize=True)


def logo() -> None:
    """The publisher's logo (site.yaml ``logo``): search engines show it beside our articles."""
    img = Image.new("RGB", (512, 512), ACCENT)
    d = ImageDraw.Draw(img, "RGBA")
    for i, y in enumerate((330, 380, 430)):
        points = [(x, y + 14 * math.sin(x / 40 + i)) for x in range(40, 476, 8)]
        d.line(points, fill=(255, 255, 255, 120 + i * 60), width=10)
    tw = d.textlength("观潮", font=font(190, True))
    d.text((256 - tw / 2, 60), "观潮", font=font(190, True), fill=(255, 255, 255))
    img.save(MEDIA / "logo.png", optimize=True)


def save(img: Image.Image, name: str) -> None:
    img.save(MEDIA / f"{name}.webp", "WEBP", quality=72, method=6)


def main() -> None:
    (MEDIA / "authors").mkdir(parents=True, exist_ok=True)
    logo()
    avatar("lin-qiao", "林", (140, 40, 34))
    avatar("zhou-mu", "周", (32, 70, 110))
    note = "观潮商业评论制图"
    cover("cover-xiaomi-su7", "小米造车", "观潮 · 深度", (120, 36, 30), 1)
    bar_chart(
        "su7-prices",
        "小米 SU7 各版本起售价",
        ["SU7 标准版", "SU7 Pro", "SU7 Max", "SU7 Ultra"],
        [21.59, 24.59, 29.99, 52.99],
        "万元",
        f"{note}，数据来自小米官方发布会",
        3,
    )
    cover("cover-luckin", "瑞幸的账本", "观潮 · 深度", (30, 62, 98), 2)
    bar_chart(
        "luckin-stores",
        "瑞幸咖啡年末门店数",
        ["2019", "2020", "2021", "2022", "2023", "2024"],
        [4507, 4803, 6024, 8214, 16248, 22340],
        "家",
        f"{note}，数据来自瑞幸咖啡历年财报",
        5,
    )
    bar_chart(
        "luckin-revenue", "瑞幸咖啡年度总净收入", ["2021", "2022", "2023", "2024"], [79.7, 132.9, 249.0, 344.7], "亿元", f"{note}，数据来自瑞幸咖啡历年财报", 3
    )
    cover("cover-mixue", "雪王上市", "观潮 · 观察", (150, 28, 40), 3)
    bar_chart(
        "tea-stores",
        "几家连锁饮品品牌的门店规模",
        ["蜜雪冰城", "瑞幸咖啡", "霸王茶姬", "星巴克中国"],
        [46000, 22000, 6400, 7700],
        "家（约数）",
        f"{note}，数据来自各公司招股书与财报，统计时点不同，仅示规模",
        0,
    )
    cover("cover-byd", "四百万辆", "观潮 · 深度", (20, 90, 80), 4)
    bar_chart(
        "byd-sales",
        "比亚迪新能源汽车年销量",
        ["2020", "2021", "2022", "2023", "2024"],
        [18.9, 60.4, 186.4, 302.4, 427.2],
        "万辆",
        f"{note}，数据来自比亚迪产销快报",
        4,
    )
    cover("cover-popmart", "潮玩出海", "观潮 · 观察", (92, 44, 120), 5)
    bar_chart(
        "popmart-revenue",
        "泡泡玛特年度收入",
        ["2020", "2021", "2022", "2023", "2024"],
        [25.1, 44.9, 46.2, 63.0, 130.4],
        "亿元",
        f"{note}，数据来自泡泡玛特历年年报",
        4,
    )
    cover("cover-pangdonglai", "学不会的胖东来", "观潮 · 深度", (110, 80, 20), 6)
    cover("cover-chagee", "一杯茶去纳斯达克", "观潮 · 观察", (40, 80, 40), 7)
    bar_chart("chagee-gmv", "霸王茶姬全球 GMV", ["2023", "2024"], [108.0, 295.0], "亿元", f"{note}，数据来自霸王茶姬招股书", 1)
    cover("cover-pdd", "拼多多的两张脸", "观潮 · 深度", (60, 60, 70), 8)
    bar_chart(
        "pdd-revenue", "拼多多集团年度营收", ["2021", "2022", "2023", "2024"], [939.5, 1305.6, 2476.4, 3938.4], "亿元", f"{note}，数据来自拼多多历年年报", 3
    )


if __name__ == "__main__":
    main()
