"""Responsive images: widths, formats, attributes, the cache, and what a bad image produces."""

from __future__ import annotations

import re
import shutil

from conftest import NOW, Project, tree_digest
from PIL import Image

from tide.config import BuildOptions, Paths
from tide.pipeline import build


def imgs(html: str) -> list[str]:
    return re.findall(r"<img\b[^>]*>", html)


def attr(tag: str, name: str) -> str | None:
    found = re.search(rf'\b{name}="([^"]*)"', tag)
    return found[1] if found else None


def test_a_png_is_published_in_each_width_as_webp_with_a_png_fallback(project: Project) -> None:
    project.image("content/media/big.png", width=2000, height=1000)
    project.article("a", body='第一段。\n\n![门店分布图](../media/big.png "图源:公司财报")\n')
    project.build()
    html = project.read("articles/a/index.html")
    picture = re.search(r"<picture>.*?</picture>", html, re.S)
    assert picture, html
    webp = re.search(r'<source type="image/webp" srcset="([^"]*)"', picture[0])
    assert webp and [w for _, w in re.findall(r"(\S+) (\d+)w", webp[1])] == ["480", "960", "1600"]
    (img,) = imgs(picture[0])
    assert [w for _, w in re.findall(r"(\S+\.png) (\d+)w", attr(img, "srcset") or "")] == ["480", "960", "1600"]
    assert attr(img, "width") == "2000" and attr(img, "height") == "1000" and attr(img, "alt") == "门店分布图"
    assert attr(img, "sizes") and (attr(img, "src") or "").endswith(".png")
    for url in re.findall(r"(/media/\S+?\.(?:webp|png)) \d+w", picture[0]):
        with Image.open(project.site / url.lstrip("/")) as made:
            assert made.format == ("WEBP" if url.endswith(".webp") else "PNG")
            assert made.width == int(re.search(r"\.(\d+)\.", url)[1])  # type: ignore[index]
    assert "<figcaption>图源:公司财报</figcaption>" in html


def test_a_small_image_is_never_upscaled(project: Project) -> None:
    project.image("content/media/small.webp", width=300, height=200, fmt="WEBP")
    project.article("a", body="![小图](../media/small.webp)\n")
    project.build()
    (img,) = imgs(project.read("articles/a/index.html"))
    assert re.findall(r" (\d+)w", attr(img, "srcset") or "") == ["300"] and "<picture>" not in project.read("articles/a/index.html")


def test_only_the_first_image_a_reader_sees_loads_eagerly(project: Project) -> None:
    for name in ("one", "two", "cover"):
        project.image(f"content/media/{name}.png")
    project.article("plain", body="![一](../media/one.png)\n\n![二](../media/two.png)\n")
    project.article("covered", front="cover: /media/cover.png", body="![一](../media/one.png)\n")
    project.build()
    first, second = imgs(project.read("articles/plain/index.html"))
    assert attr(first, "fetchpriority") == "high" and attr(first, "loading") is None
    assert attr(second, "loading") == "lazy" and attr(second, "fetchpriority") is None
    cover, body = imgs(project.read("articles/covered/index.html"))
    assert attr(cover, "fetchpriority") == "high" and "cover." in (attr(cover, "srcset") or "")
    assert attr(body, "loading") == "lazy"


def test_a_cover_becomes_the_share_image_and_the_list_thumbnail(project: Project) -> None:
    project.image("content/media/cover.jpg", width=2400, height=1350, fmt="JPEG")
    project.article("a", front="cover: /media/cover.jpg")
    project.article("b", date="2025-03-02 10:00", title="更新的一篇")  # so that "a" shows as a card, not the lead
    project.build()
    html = project.read("articles/a/index.html")
    share = re.search(r'<meta property="og:image" content="https://example.org(/media/cover\.share\.[0-9a-f]{8}\.jpg)">', html)
    assert share, html
    with Image.open(project.site / share[1].lstrip("/")) as card:
        assert (card.format, card.size) == ("JPEG", (1200, 630))
    assert '<meta property="og:image:width" content="1200">' in html and '<meta name="twitter:card" content="summary_large_image">' in html
    thumb = next(t for t in imgs(project.read("index.html")) if "thumb" in t)
    with Image.open(project.site / (attr(thumb, "src") or "").lstrip("/")) as small:
        assert small.size == (256, 256) and attr(thumb, "width") == "256"


def test_a_second_build_does_no_image_work(project: Project) -> None:
    project.image("content/media/a.png", width=1800, height=900)
    project.article("a", front="cover: /media/a.png", body="![图](../media/a.png)\n")
    assert project.build().images == 1
    paths = Paths(project.root, project.site)
    project.article("a", front="cover: /media/a.png", body="![图](../media/a.png)\n\n改了正文。\n")  # a rebuild, not an up-to-date exit
    again = build(paths, BuildOptions(now=NOW))  # a new process: only the cache on disk
    assert again.images == 0 and again.path == "full"
    (project.root / "content/media/a.png").touch()  # a new time, the same bytes
    assert build(paths, BuildOptions(now=NOW)).images == 0


def test_a_changed_image_redraws_only_the_pages_that_show_it(project: Project) -> None:
    project.image("content/media/a.png")
    project.image("content/media/b.png")
    project.article("a", body="![甲](../media/a.png)\n")
    project.article("b", body="![乙](../media/b.png)\n", date="2025-03-02 10:00")
    project.build()
    project.image("content/media/a.png", width=900, height=300)
    result = project.build()
    assert "articles/a/index.html" in result.written and "articles/b/index.html" not in result.written
    assert 'width="900"' in project.read("articles/a/index.html")


def test_a_corrupt_image_names_each_article_that_uses_it_and_keeps_the_site(project: Project) -> None:
    project.image("content/media/a.png")
    project.article("a", front="cover: /media/a.png", body="第一段。\n\n![图](../media/a.png)\n")
    project.build()
    before = tree_digest(project.site)
    project.write("content/media/a.png", "this is not a png")
    problems = project.errors()
    reason = "content/media/a.png is not an image Pillow can read (corrupt, truncated or not the format its name says)"
    assert problems == [f"content/articles/a.md:4: cover image {reason}", f"content/articles/a.md:9: image '../media/a.png': {reason}"]
    assert tree_digest(project.site) == before


def test_a_corrupt_image_nobody_uses_is_a_warning(project: Project) -> None:
    project.write("content/media/spare.jpg", "not a jpeg")
    project.article("a")
    result = project.build()
    assert [str(w) for w in result.warnings] == [
        "content/media/spare.jpg: warning: content/media/spare.jpg is not an image Pillow can read"
        " (corrupt, truncated or not the format its name says); it is published as it is"
    ]
    assert (project.site / "media/spare.jpg").is_file()


def test_an_image_without_alt_text_is_a_warning_with_its_line(project: Project) -> None:
    project.image("content/media/a.png")
    project.article("a", body="第一段。\n\n![](../media/a.png)\n")
    result = project.build()
    assert [str(w) for w in result.warnings] == [
        "content/articles/a.md:8: warning: image has no alt text: write what it shows between the brackets, ![like this](...)"
    ]
    result = project.cli("build")
    assert result.returncode == 0 and "a.md:8: warning: image has no alt text" in result.stderr


def test_image_cache_survives_a_corrupt_manifest(project: Project) -> None:
    project.image("content/media/a.png")
    project.article("a", body="![图](../media/a.png)\n")
    project.build()
    (project.root / ".cache/images/manifest.pickle").write_bytes(b"garbage")
    project.article("a", body="![图](../media/a.png)\n\n改了。\n")
    assert project.build().images == 1


def test_a_damaged_picture_in_the_cache_is_made_again_not_published(project: Project) -> None:
    project.image("content/media/a.png")
    project.article("a", body="![图](../media/a.png)\n")
    project.build()
    variant = sorted((project.root / ".cache/images").glob("*-480.webp"))[0]
    variant.write_bytes(variant.read_bytes()[:100])  # cut short, as by a full disk or a crash
    shutil.rmtree(project.site)  # (the site must be made again from the cache)
    assert project.build().images == 1
    for published in (project.site / "media").glob("a.480.*.webp"):
        with Image.open(published) as picture:
            picture.load()  # a truncated file fails here
    clean = project.root / "clean"
    build(Paths(project.root, clean), BuildOptions(now=NOW, use_cache=False))
    assert tree_digest(project.site) == tree_digest(clean)


def test_many_images_are_processed_on_every_core_with_the_same_result(project: Project) -> None:
    for n in range(10):
        project.image(f"content/media/p{n}.png", width=500 + 40 * n, height=300)
    project.write("content/media/p5.png", "broken")
    body = "\n\n".join(f"![图{n}](../media/p{n}.png)" for n in range(10) if n != 5)
    project.article("a", front="cover: /media/p1.png", body=body + "\n")
    project.build(jobs=2)  # the pool: p5 is reported as a warning, not a crash
    parallel = tree_digest(project.site)
    serial = project.root / "serial"
    result = build(Paths(project.root, serial), BuildOptions(now=NOW, jobs=1, use_cache=False))
    assert tree_digest(serial) == parallel and result.images == 9
    assert [w.path for w in result.warnings] == ["content/media/p5.png"]
