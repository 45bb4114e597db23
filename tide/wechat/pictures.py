"""An imported article's pictures: fetched, or taken from a saved page's folder or ``--images``,
told apart by their bytes (WeChat's ``wx_fmt`` is often wrong), named in order.

WeChat's image server answers a foreign Referer with a "not allowed" placeholder, so requests
carry WeChat's own. A host that does not answer once is not asked again in the same run: an
archive of 200 articles offline must not wait out 1,400 timeouts.
"""

from __future__ import annotations

import io
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from PIL import Image, UnidentifiedImageError

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
TIMEOUT = 10  # seconds for one picture
MAX_BYTES = 30 * 1024 * 1024


@dataclass(slots=True)
class Fetcher:
    unreachable: set[str] = field(default_factory=set)  # hosts that failed this run

    def fetch(self, url: str) -> tuple[bytes | None, str]:
        """(the bytes, "") or (None, why not)."""
        if url.startswith("//"):
            url = "https:" + url
        host = urllib.parse.urlsplit(url).netloc
        if not url.startswith(("http://", "https://")) or not host:
            return None, f"not a web address: {url}"
        if host in self.unreachable:
            return None, f"{host} did not answer earlier in this run"
        request = urllib.request.Request(url, headers={"Referer": "https://mp.weixin.qq.com/", "User-Agent": "Mozilla/5.0 (tide import)"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310  (http and https only, checked above)
                return response.read(MAX_BYTES + 1), ""
        except urllib.error.HTTPError as exc:
            return None, f"{host} answered {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            self.unreachable.add(host)
            return None, f"{host} is not reachable ({getattr(exc, 'reason', exc)})"


def kind_of(data: bytes) -> str | None:
    """The picture's real format as a file extension, from its bytes; None when it is no picture we publish."""
    if len(data) > MAX_BYTES:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return EXTENSIONS.get(image.format or "")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
