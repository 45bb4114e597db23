"""Responsive images: every raster file in content/media/ resized with Pillow, cached by content.

Each picture is published in a few widths (never wider than the source) as WebP, plus its own
format as a fallback when that is not WebP. A cover also gets a 1200-wide share image (JPEG,
what every share card reads) and a square list thumbnail. Output names carry a fingerprint of
the bytes, so a deploy never serves a stale image.

The work is cached in ``.cache/images/`` by the source's content hash and the recipe below, not
by the engine key: editing the generator does not make a 10,000-image site resize everything
again. A second build reads file sizes and times, finds every hash known, and opens no image.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import escape

from .installed import version
from .output import files_under
from .processes import pool_context

if TYPE_CHECKING:  # Pillow is imported where pictures are made: a build that resizes nothing never loads it
    from PIL import Image

WIDTHS = (480, 960, 1600)
THUMB = 256  # square list thumbnail: 8rem at 2x
SHARE = (1200, 630)  # the 1.91:1 card every share preview (WeChat, Weibo, Open Graph) expects
WEBP_QUALITY = 80
JPEG_QUALITY = 82
BODY_SIZES = "(min-width: 40rem) 38rem, calc(100vw - 2rem)"  # the theme's text column (--measure)
RASTER = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP", ".gif": "GIF"}
MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
RECIPE = f"2;{version('pillow')};{WIDTHS};{THUMB};{SHARE};{WEBP_QUALITY};{JPEG_QUALITY}"  # what shapes the bytes


@dataclass(frozen=True)
class Variant:
    """One processed file: where it is published and which cache file holds it."""

    rel: str  # output path, e.g. media/cover-byd.960.1a2b3c4d.webp
    width: int
    height: int
    key: str  # file name in the image cache


@dataclass(frozen=True)
class Picture:
    """A source image and everything made from it."""

    rel: str  # media/...
    width: int
    height: int
    mime: str  # of the fallback (the source's own format)
    webp: tuple[Variant, ...]  # narrowest first; empty for an animation, published as it is
    fallback: tuple[Variant, ...]  # the source's format; empty when the source is WebP
    thumb: Variant | None = None  # covers only
    share: Variant | None = None  # covers only

    @property
    def digest(self) -> str:
        """Changes when anything a page would say about this picture changes."""
        return hashlib.blake2b(repr(self).encode(), digest_size=8).hexdigest()

    def variants(self) -> list[Variant]:
        return [*self.webp, *self.fallback, *(v for v in (self.thumb, self.share) if v)]


@dataclass
class Media:
    """What content/media/ holds after processing, for one build."""

    files: dict[str, Path] = field(default_factory=dict)  # every file: media/... -> where it is
    pictures: dict[str, Picture] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)  # media/... -> why Pillow could not read it
    outputs: dict[str, Path] = field(default_factory=dict)  # output path -> cache file to copy
    processed: int = 0  # images opened by Pillow in this build (0 when everything was cached)


@dataclass
class _Blob:
    """What one source's bytes became; shared by every file with those bytes."""

    width: int
    height: int
    format: str
    made: dict[str, tuple[int, int, str]]  # variant name ("480", "png-480", "thumb", "share") -> (w, h, cache key)
    sizes: dict[str, int] = field(default_factory=dict)  # cache key -> bytes written: a file damaged since is made again


def content_hash(data: bytes) -> str:
    """What a picture's bytes are (pictures are cached by it; ``retimed`` hashes data files the same way)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class ImageLibrary:
    """The image cache of one project: a manifest plus one file per processed variant."""

    def __init__(self, cache_folder: Path) -> None:
        self.folder = cache_folder / "images"
        self._stats: dict[str, tuple[int, int, str]] = {}  # media/... -> (mtime_ns, size, content hash)
        self._blobs: dict[str, _Blob] = {}  # content hash -> what it became
        self._loaded = False
        self._refreshed = False  # since the last save

    def refresh(self, media_dir: Path, covers: set[str], jobs: int | None = None) -> Media:
        """Process what is new or changed in ``media_dir``; ``covers`` also get share and thumbnail."""
        self._load()
        media = Media()
        stats: dict[str, tuple[int, int, str]] = {}
        found: list[tuple[str, str, bool]] = []  # (rel, content hash, is a cover) of every raster image
        todo: dict[str, tuple[Path, bool]] = {}  # content hash -> (a file with those bytes, make share and thumbnail)
        media.files = files_under(media_dir, "media/")
        for rel, path in media.files.items():
            if RASTER.get(os.path.splitext(rel)[1].lower()) is None:
                continue  # SVG, PDF ...: published as they are
            st = path.stat()
            known = self._stats.get(rel)
            key = known[2] if known and known[:2] == (st.st_mtime_ns, st.st_size) else content_hash(path.read_bytes())
            stats[rel] = (st.st_mtime_ns, st.st_size, key)
            wanted = rel in covers
            found.append((rel, key, wanted))
            blob = self._blobs.get(key)
            if blob is None or (wanted and "share" not in blob.made) or not self._complete(blob):
                todo[key] = (path, wanted or todo.get(key, (path, False))[1])
        failed: dict[str, str] = {}
        for key, outcome in _process_all(todo, self.folder, jobs):
            if isinstance(outcome, str):
                failed[key] = outcome
            else:
                self._blobs[key] = outcome
        media.processed = len(todo) - len(failed)
        for rel, key, wanted in found:
            if key in failed:
                media.broken[rel] = failed[key]
                stats.pop(rel)
                continue
            picture = _picture(rel, self._blobs[key], wanted)
            media.pictures[rel] = picture
            for v in picture.variants():
                media.outputs[v.rel] = self.folder / v.key
        self._stats, self._refreshed = stats, True
        return media

    def content_hashes(self) -> dict[str, tuple[int, int, str]]:
        """media/... -> (mtime_ns, size, content hash) of every picture, as the last refresh saw it."""
        self._load()
        return self._stats

    def save(self) -> None:
        """Keep the manifest; drop cache files no current source uses. Only after a refresh: before
        one, the library does not know which sources exist (and nothing can have changed)."""
        if not self._refreshed:
            return
        self._refreshed = False
        used = {s[2] for s in self._stats.values()}
        self._blobs = {k: b for k, b in self._blobs.items() if k in used}
        keep = {key for b in self._blobs.values() for _, _, key in b.made.values()}
        self.folder.mkdir(parents=True, exist_ok=True)
        for f in self.folder.iterdir():
            if f.name not in keep and f.name != "manifest.pickle":
                f.unlink(missing_ok=True)
        tmp = self.folder / "manifest.tmp"
        tmp.write_bytes(pickle.dumps({"recipe": RECIPE, "stats": self._stats, "blobs": self._blobs}, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(self.folder / "manifest.pickle")

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            stored = pickle.loads((self.folder / "manifest.pickle").read_bytes())
            if stored["recipe"] == RECIPE:
                self._stats, self._blobs = stored["stats"], stored["blobs"]
        except Exception:  # noqa: BLE001  missing, old or corrupt: process again
            pass

    def _complete(self, blob: _Blob) -> bool:
        """Every variant is in the cache, with the size it was written with (a cache file cut short
        or written over would otherwise be copied into the site as it is)."""
        sizes = getattr(blob, "sizes", {})  # (a manifest from before sizes were kept: made again)
        for _, _, key in blob.made.values():
            try:
                if os.stat(self.folder / key).st_size != sizes.get(key):
                    return False
            except OSError:
                return False
        return True


PARALLEL_FROM = 8  # images; fewer are done faster in this process


def _process_all(todo: dict[str, tuple[Path, bool]], folder: Path, jobs: int | None) -> list[tuple[str, _Blob | str]]:
    """Process each image, on every core when there are many; a failure is its reason, as text."""
    items = [(content_hash, path, cover, folder) for content_hash, (path, cover) in sorted(todo.items())]
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(items) < PARALLEL_FROM:
        return [_process_one(item) for item in items]
    folder.mkdir(parents=True, exist_ok=True)
    with pool_context().Pool(jobs) as pool:
        return pool.map(_process_one, items, chunksize=max(1, len(items) // (jobs * 4)))


def _process_one(item: tuple[str, Path, bool, Path]) -> tuple[str, _Blob | str]:
    content_hash, path, cover, folder = item
    try:
        return content_hash, _process(path, content_hash, cover, folder)
    except Exception as exc:  # noqa: BLE001  Pillow raises many kinds for a bad file
        return content_hash, _reason(exc)


def _reason(exc: Exception) -> str:
    from PIL import UnidentifiedImageError

    if isinstance(exc, UnidentifiedImageError):
        return "is not an image Pillow can read (corrupt, truncated or not the format its name says)"
    return f"cannot be read as an image ({type(exc).__name__}: {exc})"


def _process(path: Path, content_hash: str, cover: bool, folder: Path) -> _Blob:
    """Open, check and resize one image; write every variant into the cache folder."""
    from PIL import Image, ImageOps

    folder.mkdir(parents=True, exist_ok=True)
    with Image.open(path) as opened:
        kind = opened.format or ""
        if kind not in MIME:
            raise ValueError(f"{kind or 'unknown'} images are not supported; use JPEG, PNG, WebP or GIF")
        opened.load()  # a truncated file fails here, not halfway through a page
        animated = getattr(opened, "n_frames", 1) > 1
        image = opened.copy() if animated else ImageOps.exif_transpose(opened)
    blob = _Blob(image.width, image.height, kind, {})
    stem = content_hash[:20]

    def keep(name: str, picture: Image.Image, fmt: str, **options: object) -> None:
        ext = _EXT[fmt]
        key = f"{stem}-{name}.{ext}"
        picture.save(folder / key, fmt, **options)
        blob.made[name] = (picture.width, picture.height, key)
        blob.sizes[key] = (folder / key).stat().st_size

    if animated:
        return blob  # resizing would drop frames: published as it is
    for w in _widths(image.width):
        resized = _resize(image, w)
        keep(str(w), _for_webp(resized), "WEBP", quality=WEBP_QUALITY, method=4)
        if kind in ("JPEG", "PNG"):
            keep(f"{kind.lower()}-{w}", _for_jpeg(resized) if kind == "JPEG" else resized, kind, **_OPTIONS[kind])
    if cover:
        keep("thumb", _for_webp(ImageOps.fit(image, (min(THUMB, image.width, image.height),) * 2, Image.Resampling.LANCZOS)), "WEBP", quality=WEBP_QUALITY)
        share_w = min(SHARE[0], image.width)
        share_h = min(round(share_w * SHARE[1] / SHARE[0]), image.height)
        keep("share", _for_jpeg(ImageOps.fit(image, (share_w, share_h), Image.Resampling.LANCZOS)), "JPEG", **_OPTIONS["JPEG"])
    return blob


_EXT = {"WEBP": "webp", "JPEG": "jpg", "PNG": "png"}
_OPTIONS: dict[str, dict[str, object]] = {
    "JPEG": {"quality": JPEG_QUALITY, "optimize": True, "progressive": True},
    "PNG": {},
}  # PNG's optimize: 2x the time for 0.3% smaller


def _widths(width: int) -> list[int]:
    """The published widths: each of WIDTHS narrower than the source, and the source's own up to the widest."""
    found = [w for w in WIDTHS if w < width]
    if width <= WIDTHS[-1]:
        found.append(width)
    return found


def _resize(image: Image.Image, width: int) -> Image.Image:
    from PIL import Image

    if width == image.width:
        return image
    return image.resize((width, max(1, round(image.height * width / image.width))), Image.Resampling.LANCZOS)


def _for_webp(image: Image.Image) -> Image.Image:
    return image if image.mode in ("RGB", "RGBA") else image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB")


def _for_jpeg(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if "A" in image.getbands() or "transparency" in image.info:  # JPEG has no transparency: lay it on white
        from PIL import Image

        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _picture(rel: str, blob: _Blob, cover: bool) -> Picture:
    stem = os.path.splitext(rel)[0]

    def variant(name: str) -> Variant:
        """media/x.png + "png-960" -> media/x.960.<fingerprint>.png; the fingerprint covers bytes and recipe."""
        w, h, key = blob.made[name]
        fingerprint = hashlib.blake2b(f"{key};{RECIPE}".encode(), digest_size=4).hexdigest()
        return Variant(f"{stem}.{name.rsplit('-', 1)[-1]}.{fingerprint}{os.path.splitext(key)[1]}", w, h, key)

    return Picture(
        rel, blob.width, blob.height, MIME[blob.format],
        webp=tuple(variant(n) for n in blob.made if n.isdigit()),
        fallback=tuple(variant(n) for n in blob.made if n.startswith(("jpeg-", "png-"))),
        thumb=variant("thumb") if cover and "thumb" in blob.made else None,
        share=variant("share") if cover and "share" in blob.made else None,
    )  # fmt: skip


def img_tag(picture: Picture, url_of: Callable[[str], str], alt: str, sizes: str, eager: bool = False, attrs: str = "") -> str:
    """The HTML for a picture: every width in ``srcset``, intrinsic size against layout shift.

    ``url_of`` turns an output path into the URL to write; ``attrs`` is extra attribute text
    (already escaped) such as ``class="lead-image"``. The first picture a reader sees is fetched
    at once with high priority; the rest wait until they are scrolled near.
    """
    load = 'fetchpriority="high" decoding="async"' if eager else 'loading="lazy" decoding="async"'
    size = f'width="{picture.width}" height="{picture.height}"'
    extra = f" {attrs}" if attrs else ""
    if not picture.webp:  # an animation: as it is
        return f'<img src="{url_of(picture.rel)}" alt="{escape(alt)}" {size} {load}{extra}>'
    own = picture.fallback or picture.webp
    img = f'<img src="{url_of(_middle(own).rel)}" srcset="{_srcset(own, url_of)}" sizes="{sizes}" alt="{escape(alt)}" {size} {load}{extra}>'
    if not picture.fallback:
        return img
    return f'<picture><source type="image/webp" srcset="{_srcset(picture.webp, url_of)}" sizes="{sizes}">{img}</picture>'


def _middle(variants: tuple[Variant, ...]) -> Variant:
    """The ``src`` for browsers that ignore ``srcset``: the widest up to 960, a phone's 2x."""
    fitting = [v for v in variants if v.width <= WIDTHS[1]]
    return fitting[-1] if fitting else variants[0]


def _srcset(variants: tuple[Variant, ...], url_of: Callable[[str], str]) -> str:
    return ", ".join(f"{url_of(v.rel)} {v.width}w" for v in variants)
