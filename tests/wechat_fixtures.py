"""WeChat articles in the shapes the importer meets, written for these tests: the same article as
text copied out of WeChat and as a page saved from a browser ("complete", with its pictures in
``NAME_files/``), plus the broken inputs an editor will feed it.

The article is our own writing on public facts (JD.com's food-delivery launch in February 2025).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

TITLE = "京东外卖这一年：补贴之外，真正的账本在哪里"
SOURCE = "https://mp.weixin.qq.com/s/tide-test-jd-waimai"
CT = 1762747210  # 2025-11-10 12:00:10 in Asia/Shanghai
DATE = "2025-11-10 12:00"

SECTIONS = [
    (
        "入场的时机",
        [
            "2025年2月，京东宣布以“品质外卖”的名义进入外卖市场，首批招募的是有堂食门店的餐厅。",
            "这一步看上去突然，其实京东在即时零售上已经铺垫多年：秒送、达达的运力，都是现成的底子。",
        ],
    ),
    (
        "补贴与佣金",
        [
            "京东给出的条件是：5月1日前入驻的商家全年免佣金。对利润本就单薄的餐饮商家来说，这是最直接的一笔账。",
            "但佣金只是账本的一页。配送成本、流量分配、复购率，才是决定平台能否长期留住商家的变量。",
        ],
    ),
    (
        "骑手这一环",
        [
            "京东随后宣布为全职骑手缴纳五险一金，这在行业里是第一次由平台公开承诺。",
            "这笔钱不小，但它买来的是稳定的运力和舆论上的主动权。",
        ],
    ),
    (
        "写在最后",
        [
            "外卖是高频生意，京东想要的从来不只是外卖本身，而是让用户每天打开京东App的理由。",
            "补贴会退潮，留下来的才是真正的账本。",
        ],
    ),
]
CREDITS = ["图源:京东", "图源:京东黑板报", "图源:微博@京东外卖", "图源:网络", "图源:京东", "图源:达达集团", "图源:视觉中国"]
CREDIT_SHAPES = ["●图源:京东", "●图源 :京东黑板报", "●图源：微博@京东外卖", "图源：网络", "● 图源 : 京东", "●图源:达达集团", "图源:视觉中国"]
CAPTION = "（图/社交媒体截图）"
QUOTE = "我们不做低价，我们做品质。"
LIST = ["有堂食门店", "证照齐全", "近三个月无食品安全问题"]
TABLE = [["项目", "京东外卖", "行业常见"], ["佣金", "5月1日前入驻全年免", "按单抽成"], ["骑手保障", "全职骑手五险一金", "商业保险为主"]]
BOILERPLATE = [
    "红包、福利、干货，都在这里",
    "采访或爆料请添加微信：tide-news",
    "90%的人都在看",
    "点击关注，第一时间看到好内容",
    "往期推荐",
    "小米汽车的第一年",
    "蜜雪冰城上市之后",
]
EDITOR_LINE = "*编排 | 林桥 审核 | 周远"


def paragraphs() -> list[str]:
    """Every paragraph of the body that must reach the page character for character."""
    found = []
    for _, paras in SECTIONS:
        found += paras
    return found


def as_text() -> str:
    """The article as WeChat's copy gives it: title, byline, blank lines of two or three."""
    lines = [TITLE, "", "原创 林桥 观潮商业评论 2025年11月10日 12:00 北京", "", ""]
    credit = iter(CREDIT_SHAPES)
    for n, (heading, paras) in enumerate(SECTIONS):
        lines += ["", heading, "", ""]
        for para in paras:
            lines += [para, ""] + ([next(credit, ""), ""] if para != paras[-1] or n < 3 else [])
        if n == 0:
            lines += [CAPTION, ""]
        if n == 1:
            lines += [QUOTE, ""]
    lines += ["∽∽∽", "", EDITOR_LINE, "", "", *[f"{b}\n" for b in BOILERPLATE], "ad1 webp", ""]
    return "\n".join(lines)


def as_page(pictures: str) -> str:
    """The article page as a browser saves it; ``pictures``: the name of its ``_files`` folder."""
    body = []
    picture = iter(range(1, 8))
    credit = iter(CREDIT_SHAPES)

    def figure() -> str:
        n = next(picture)
        return (
            f'<section style="text-align:center"><img class="rich_pages wxw-img" data-src="https://mmbiz.qpic.cn/mmbiz_png/tide{n}/640?wx_fmt=jpeg" '
            f'src="{pictures}/{n}.png" data-w="1080" style="width:100%"></section>\n'
            f'<p style="text-align:center;font-size:12px"><span leaf="">{next(credit)}</span></p>'
        )

    for n, (heading, paras) in enumerate(SECTIONS):
        body.append(f'<section><p style="text-align:center"><span style="font-size:18px;font-weight:bold" leaf="">{heading}</span></p></section>')
        for k, para in enumerate(paras):
            if n == 0 and k == 0:  # a paragraph whose spans the source breaks across lines, and bold in it
                half = para.index("，")
                body.append(
                    f'<section><p><span leaf="">{para[:half]}</span>\n        <span leaf="">{para[half : half + 5]}</span>'
                    f'<strong><span leaf="">{para[half + 5 : half + 9]}</span></strong><span leaf="">{para[half + 9 :]}</span></p></section>'
                )
            else:
                body.append(f'<section><section><p><span leaf="">{para}</span></p></section></section>')
            if n < 3 or k == 0:  # a picture after every paragraph but the last: seven
                body.append(figure())
        if n == 0:
            body.append(f'<p style="font-size:12px;color:#888"><span leaf="">{CAPTION}</span></p>')
            items = "".join(f'<li><section><span leaf="">{item}</span></section></li>' for item in LIST)
            body.append(f"<ul>{items}</ul>")
        if n == 1:
            body.append(f'<blockquote><p><span leaf="">{QUOTE}</span></p></blockquote>')
            rows = "".join("<tr>" + "".join(f'<td><span leaf="">{c}</span></td>' for c in row) + "</tr>" for row in TABLE)
            body.append(f"<table><tbody>{rows}</tbody></table>")
        if n == 2:
            body.append('<section style="text-align:center"><hr style="border-top:1px solid #ccc"></section>')
    body.append("<hr>")
    body.append(f'<p><span leaf="">{EDITOR_LINE}</span></p>')
    body += [f'<p><span leaf="">{b}</span></p>' for b in BOILERPLATE]
    body.append('<p><span leaf="">\u200b&nbsp;</span></p>')
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta property="og:title" content="{TITLE}">
<meta property="og:url" content="{SOURCE}">
<meta name="author" content="林桥">
<title>{TITLE}</title>
<script>var msg_title = '{TITLE}'.html(false); var nickname = "观潮商业评论"; var ct = "{CT}";</script>
</head><body>
<div class="rich_media_content" id="js_content" style="visibility: hidden;">
{chr(10).join(body)}
</div>
<span id="js_name">观潮商业评论</span><em id="publish_time"></em>
</body></html>
"""


def pictures(folder: Path, count: int = 7, fmt: str = "PNG") -> list[Path]:
    """Pictures we draw ourselves: a bar chart shape in the publication's red."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for n in range(1, count + 1):
        image = Image.new("RGB", (640, 360), (250, 246, 240))
        draw = ImageDraw.Draw(image)
        for bar in range(n + 1):
            draw.rectangle((40 + bar * 70, 320 - bar * 30 - 20, 90 + bar * 70, 320), fill=(180, 40, 30))
        path = folder / f"{n}.{fmt.lower()}"
        image.save(path, fmt)
        made.append(path)
    return made


def write_page(folder: Path, name: str = "jd-waimai") -> Path:
    """The page and its pictures, saved "complete"."""
    pictures(folder / f"{name}_files")
    page = folder / f"{name}.html"
    page.write_text(as_page(f"{name}_files"), encoding="utf-8")
    return page


DELETED = """<html><head><meta charset="utf-8"><title>微信公众平台</title></head><body>
<div class="weui-msg"><h2 class="weui-msg__title">该内容已被发布者删除</h2></div></body></html>"""
IMAGE_SHARE = """<html><head><meta charset="utf-8"><meta property="og:title" content="图片分享">
<script>var msg_title = '图片分享'; var ct = "1762747210";</script></head><body class="rich_media"><div id="js_image_content"><img data-src="https://mmbiz.qpic.cn/a/640"></div></body></html>"""
NOT_WECHAT = """<html><head><title>Some page</title></head><body><p>Hello</p></body></html>"""
