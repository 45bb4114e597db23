"""What the editor's desk adds to ``build.py serve`` (never to ``site/``): on every page a small
toolbar of views, and on an article the findings of the rules that need it alone; the views
themselves at ``/_tide/view/<name>?path=<page>``, each updated on save like the page.

- phone: the page in a 390 px frame;
- share: its Open Graph title, description and image as WeChat, Weibo and X show them (the
  browser cuts the titles at the cards' real widths, in a CJK font: ``-webkit-line-clamp``);
- feed: its entry in the site's feed, as a feed reader shows it (absolute URLs, no site style);
- search: its title and description at a search engine's widths, the address as a breadcrumb.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import tornado.web
from lxml import etree
from lxml import html as lxml_html

from ..routes import FEED
from .findings import RULES, Finding, Settings, settings
from .report import build_report
from .rules import Source, duplicate_titles, image_weight, source_findings

VIEWS = {"phone": "手机", "share": "分享卡片", "feed": "订阅阅读器", "search": "搜索结果"}
ATOM = "{http://www.w3.org/2005/Atom}"
CJK_FONT = '"PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif'

BAR_STYLE = """<style>
#tide-desk-bar{position:fixed;right:8px;bottom:8px;z-index:2147483600;font:14px/1.4 system-ui,sans-serif}
#tide-desk-bar summary{cursor:pointer;background:#1d2733;color:#fff;border-radius:999px;padding:6px 12px;list-style:none}
#tide-desk-bar summary::-webkit-details-marker{display:none}
#tide-desk-bar ul{margin:6px 0 0;padding:6px;list-style:none;background:#fff;border:1px solid #8a96a3;border-radius:8px;box-shadow:0 2px 10px #0003}
#tide-desk-bar a{display:block;padding:6px 10px;color:#0b4f8a;text-decoration:none;border-radius:4px}
#tide-desk-bar a:hover,#tide-desk-bar a:focus{background:#e8f0f8;text-decoration:underline}
#tide-desk-bar a[aria-current]{font-weight:700;color:#1d2733}
#tide-desk-findings{position:fixed;left:8px;bottom:8px;z-index:2147483600;max-width:min(26rem,calc(100vw - 7rem));max-height:40vh;overflow:auto;
background:#fffbe6;color:#3d3200;border:1px solid #b59a00;border-radius:8px;padding:8px 10px;font:13px/1.5 system-ui,sans-serif;box-shadow:0 2px 10px #0003}
#tide-desk-findings h2{font-size:13px;margin:0 1.8rem 4px 0}
#tide-desk-findings ul{margin:0;padding-left:1.1rem}
#tide-desk-findings button{position:absolute;top:4px;right:4px;border:0;background:none;font-size:18px;line-height:1;cursor:pointer;
color:#3d3200;padding:4px 8px}
</style>"""


@dataclass(slots=True)
class _Graph:
    """What the findings of one page need from the site graph, made once per graph (an edit of a
    body alone keeps the graph, and with it every URL and title: ``bodyedit.LastBuild.applies``)."""

    site: Any
    rel_at: dict[str, str]  # URL -> source
    titles: dict[str, list[tuple[str, int, str]]]  # title -> (path, title line, title) of each published article


class DeskPreview:
    """The desk's part of the preview (``serve.PreviewTool``)."""

    def __init__(self) -> None:
        self._graph: _Graph | None = None
        self._settings: tuple[tuple[int, int, int], Settings] | None = None

    def graph(self, site: Any) -> _Graph:
        if self._graph is None or self._graph.site is not site:
            titles: dict[str, list[tuple[str, int, str]]] = {}
            for e in site.articles:
                titles.setdefault(" ".join(e.doc.title.split()), []).append((f"content/{e.doc.rel}", e.doc.lines.get("title", 1), e.doc.title))
            self._graph = _Graph(site, {e.url: e.doc.rel for e in (*site.articles, *site.pages)}, titles)
        return self._graph

    def settings(self, config: Any, site_file: Path) -> Settings:
        """``checks:`` as site.yaml says now (read again only when the file changed)."""
        try:
            st = site_file.stat()
            stamp = (st.st_mtime_ns, st.st_size, id(config))
        except OSError:
            stamp = (0, 0, id(config))
        if self._settings is None or self._settings[0] != stamp:
            self._settings = (stamp, settings(config, site_file))
        return self._settings[1]

    def built(self, preview: Any, result: Any, errors: list[Any]) -> None:
        """Each preview build's report, beside the command line's (``report.build_report``)."""
        site = preview.builder.last_site  # (None after a failed build: then the last settings known, or the defaults)
        if site is not None:
            rules = self.settings(site.config, preview.paths.content / "site.yaml")
        else:
            rules = self._settings[1] if self._settings else Settings(dict(RULES))
        warnings = result.warnings if result is not None else []
        outcome = "failed" if errors else "up to date" if result is not None and result.path == "up to date" else "built"
        build_report(preview.paths.root / ".cache" / "preview-report.json", outcome, errors, warnings, rules, result)

    def handlers(self, preview: Any) -> list[tuple[str, type, dict[str, Any]]]:
        return [(r"/_tide/view/(phone|share|feed|search)", ViewHandler, {"preview": preview, "desk": self})]

    def decorate(self, preview: Any, url_path: str, query: dict[str, list[bytes]]) -> str:
        if "tide-frame" in query:  # the page inside the phone view: the view has the toolbar
            return ""
        page = "/" + url_path.removesuffix("index.html")
        return BAR_STYLE + toolbar(page, None) + findings_panel(self.findings(preview, page))

    def findings(self, preview: Any, page: str) -> list[Finding] | None:
        """The rules that need one source, on the source shown at ``page`` (None when it shows none)."""
        builder = preview.builder
        site = builder.last_site
        if site is None:
            return None
        graph = self.graph(site)
        rel = graph.rel_at.get(page)
        compiled = builder.compiled(rel) if rel else None
        if rel is None or compiled is None:
            return None
        paths = preview.paths
        config = site.config
        rules = self.settings(config, paths.content / "site.yaml")
        doc, rendered = compiled
        source = Source(rel, f"content/{rel}", paths.content / rel, doc, rendered)
        now = builder.options.now or datetime.now().astimezone()
        found = source_findings(source, rules, config.summary_length, now)
        found += [f for f in duplicate_titles(graph.titles.get(" ".join(doc.title.split()), []), rules) if f.path == source.path]
        found += list(image_weight(site.media, [source], rules, unused=False))
        return sorted(found)


def toolbar(page: str, current: str | None) -> str:
    links = [f'<li><a href="{html.escape(page)}"{" aria-current=page" if current is None else ""}>页面</a></li>']
    for name, label in VIEWS.items():
        here = ' aria-current="page"' if name == current else ""
        links.append(f'<li><a href="/_tide/view/{name}?path={quote(page)}"{here}>{label}</a></li>')
    return f'<nav id="tide-desk-bar" aria-label="预览视图"><details><summary>预览视图</summary><ul>{"".join(links)}</ul></details></nav>'


def findings_panel(found: list[Finding] | None) -> str:
    if not found:
        return ""
    items = "".join(f"<li>{f.line}: <strong>{html.escape(f.rule)}</strong> {html.escape(f.message)}</li>" for f in found)
    return (
        f'<aside id="tide-desk-findings" aria-label="编辑检查"><h2>编辑检查：{html.escape(found[0].path)}，{len(found)} 条</h2>'
        f'<button type="button" aria-label="关闭编辑检查" onclick="this.parentNode.hidden=true">×</button><ul>{items}</ul></aside>'
    )


class ViewHandler(tornado.web.RequestHandler):
    def initialize(self, preview: Any, desk: DeskPreview) -> None:
        self.preview, self.desk = preview, desk

    async def get(self, name: str) -> None:
        await self.preview.ready.wait()
        page = self.get_argument("path", "/")
        if not page.startswith("/") or page.startswith("//"):
            page = "/"
        target = self.preview.resolve(page.lstrip("/"))
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        if target is None:
            self.set_status(404)
            body = f"<p>没有这个页面：{html.escape(page)}</p>"
            title = "没有这个页面"
        else:
            meta = page_meta(target)
            title = f"{VIEWS[name]}：{meta['title']}"
            body = VIEW_MAKERS[name](self.preview, page, meta)
        document = view_page(title, name, page, body)
        self.finish(self.preview.decorate(document.encode(), page.lstrip("/"), {"tide-frame": [b""]}))


def page_meta(target: Path) -> dict[str, str]:
    """What a page tells share cards, feed readers and search engines about itself."""
    tree = lxml_html.fromstring(target.read_bytes())

    def first(xpath: str) -> str:
        found = tree.xpath(xpath)
        return str(found[0]).strip() if found else ""

    return {
        "title": first("//head/title/text()"),
        "description": first("//head/meta[@name='description']/@content"),
        "og_title": first("//head/meta[@property='og:title']/@content"),
        "og_description": first("//head/meta[@property='og:description']/@content"),
        "og_image": first("//head/meta[@property='og:image']/@content"),
        "site_name": first("//head/meta[@property='og:site_name']/@content"),
        "canonical": first("//head/link[@rel='canonical']/@href"),
    }


def view_page(title: str, current: str, page: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title><meta name="tide-shows" content="{html.escape(page)}">
<style>
body{{margin:0;background:#eef1f4;color:#1d2733;font:15px/1.5 system-ui,{CJK_FONT}}}
main{{max-width:60rem;margin:0 auto;padding:16px 16px 80px}}
h1{{font-size:18px;margin:8px 0 16px}} h2{{font-size:15px;margin:24px 0 8px;color:#44505c}}
.note{{color:#44505c;font-size:13px}}
.feed-content img{{max-width:100%;height:auto}} .feed-content figure{{margin:1em 0}}
</style></head>
<body><main><h1>{html.escape(title)}</h1>{body}</main>{BAR_STYLE}{toolbar(page, current)}</body></html>"""


def _phone(preview: Any, page: str, meta: dict[str, str]) -> str:
    src = html.escape(page + ("&" if "?" in page else "?") + "tide-frame")
    return (
        '<p class="note">390 × 844 像素：大多数读者在手机上看到的样子。</p>'
        '<div style="width:390px;max-width:100%;margin:0 auto;border:12px solid #1d2733;border-radius:36px;overflow:hidden;background:#fff">'
        f'<iframe src="{src}" title="手机上的页面：{html.escape(meta["title"])}" width="390" height="844"'
        ' style="display:block;border:0;width:100%"></iframe></div>'
    )


def _clamp(lines: int) -> str:
    return f"display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:{lines};overflow:hidden"


def _share(preview: Any, page: str, meta: dict[str, str]) -> str:
    title = html.escape(meta["og_title"] or meta["title"])
    text = html.escape(meta["og_description"] or meta["description"])
    image = html.escape(meta["og_image"])
    host = html.escape(urlsplit(meta["canonical"]).netloc)
    font = f"font-family:{CJK_FONT}"
    thumb = f'<img src="{image}" alt="" width="{{s}}" height="{{s}}" style="object-fit:cover;flex:none;border-radius:2px">' if image else ""
    missing = "" if image else '<p class="note">这一页没有分享图（og:image）：卡片上没有图。</p>'
    wechat = (
        f'<div id="card-wechat" style="width:246px;background:#fff;border-radius:6px;padding:12px;{font}">'
        f'<p class="card-title" style="margin:0 0 6px;font-size:16px;line-height:22px;color:#111;{_clamp(2)}">{title}</p>'
        '<div style="display:flex;gap:8px;align-items:flex-start">'
        f'<p class="card-text" style="margin:0;flex:1;font-size:12px;line-height:17px;color:#555;{_clamp(3)}">{text}</p>'
        f"{thumb.format(s=48)}</div></div>"
    )
    weibo = (
        f'<div id="card-weibo" style="width:320px;display:flex;gap:10px;background:#f7f7f7;border-radius:4px;overflow:hidden;{font}">{thumb.format(s=80)}'
        '<div style="padding:8px 8px 8px 0;min-width:0">'
        f'<p class="card-title" style="margin:0 0 4px;font-size:14px;line-height:20px;color:#111;{_clamp(1)}">{title}</p>'
        f'<p class="card-text" style="margin:0;font-size:12px;line-height:17px;color:#555;{_clamp(2)}">{text}</p></div></div>'
    )
    wide_style = "display:block;width:504px;max-width:100%;height:auto;aspect-ratio:1.91;object-fit:cover"
    wide = f'<img src="{image}" alt="" width="504" height="264" style="{wide_style}">' if image else ""
    x = (
        f'<div id="card-x" style="width:504px;max-width:100%;border:1px solid #cfd9de;border-radius:16px;overflow:hidden;background:#fff;{font}">{wide}'
        f'<p style="margin:0;padding:8px 12px 0;font-size:13px;color:#536471">{host}</p>'
        f'<p class="card-title" style="margin:0;padding:0 12px 10px;font-size:15px;line-height:20px;color:#0f1419;{_clamp(1)}">{title}</p></div>'
    )
    return f"{missing}<h2>微信（聊天中的链接：方形缩略图）</h2>{wechat}<h2>微博</h2>{weibo}<h2>X（大图卡片，1.91:1）</h2>{x}"


def _feed(preview: Any, page: str, meta: dict[str, str]) -> str:
    feed = preview.resolve(FEED.lstrip("/"))
    if feed is None:
        return f'<p class="note">这个主题没有订阅源（{FEED}）。</p>'
    want = meta["canonical"]
    root = etree.fromstring(feed.read_bytes())
    for entry in root.iter(f"{ATOM}entry"):
        link = entry.find(f"{ATOM}link")
        if link is not None and link.get("href") == want:
            title = entry.findtext(f"{ATOM}title", "")
            when = (entry.findtext(f"{ATOM}published") or entry.findtext(f"{ATOM}updated") or "")[:16].replace("T", " ")
            author = entry.findtext(f"{ATOM}author/{ATOM}name", "")
            content = entry.find(f"{ATOM}content")
            body = (content.text or "") if content is not None else html.escape(entry.findtext(f"{ATOM}summary", ""))
            return (
                '<p class="note">订阅阅读器只拿到这一条：绝对地址，没有本站的样式表。</p>'
                '<article style="background:#fff;max-width:40rem;padding:16px 24px;font:17px/1.7 Georgia,serif;color:#222">'
                f'<h2 class="feed-title" style="font-size:24px;color:#222;margin:0 0 4px">'
                f'<a href="{html.escape(link.get("href", ""))}">{html.escape(title)}</a></h2>'
                f'<p style="color:#666;font-size:14px;margin:0 0 16px">{html.escape(author)} · {html.escape(when)}</p>'
                f'<div class="feed-content" style="overflow-wrap:anywhere">{body}</div></article>'
            )
    return f'<p class="note">订阅源里没有这一页（{html.escape(want)}）：订阅源只有最新的文章。</p>'


def _search(preview: Any, page: str, meta: dict[str, str]) -> str:
    parts = urlsplit(meta["canonical"])
    crumbs = " › ".join([parts.netloc, *[p for p in parts.path.split("/") if p]])
    title = html.escape(meta["title"])
    text = html.escape(meta["description"])
    font = f"font-family:Arial,{CJK_FONT}"

    def result(width: int, title_lines: int, ident: str) -> str:
        return (
            f'<div id="{ident}" style="width:{width}px;max-width:100%;background:#fff;padding:12px 16px;{font}">'
            f'<p style="margin:0;font-size:14px;color:#202124">{html.escape(meta["site_name"])}</p>'
            f'<p class="result-crumbs" style="margin:0 0 4px;font-size:12px;color:#4d5156">{html.escape(crumbs)}</p>'
            f'<p class="result-title" style="margin:0;font-size:20px;line-height:26px;color:#1a0dab;{_clamp(title_lines)}">{title}</p>'
            f'<p class="result-text" style="margin:4px 0 0;font-size:14px;line-height:22px;color:#4d5156;{_clamp(2)}">{text}</p></div>'
        )

    return f"<h2>电脑（标题一行，约 600 像素）</h2>{result(600, 1, 'result-desktop')}<h2>手机（标题两行）</h2>{result(360, 2, 'result-phone')}"


VIEW_MAKERS = {"phone": _phone, "share": _share, "feed": _feed, "search": _search}
