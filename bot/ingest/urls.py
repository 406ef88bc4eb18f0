"""Absolute http(s) URLs only: Discord rejects a whole message for one bad URL."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urljoin, urlsplit

_WHITESPACE = re.compile(r"\s")


def site_base(*candidates: object) -> str | None:
    """The first usable origin among absolute URLs and bare domains ("wired.com")."""
    for candidate in candidates:
        if not isinstance(candidate, str) or not candidate.strip():
            continue
        value = candidate.strip()
        if "://" not in value and not value.startswith("/"):
            value = f"https://{value}"
        parts = _split(value)
        if parts is not None and parts.scheme in ("http", "https") and _is_host(parts):
            return f"{parts.scheme}://{parts.netloc}"
    return None


def absolute_url(value: object, base: str | None = None) -> str | None:
    """`value` as an absolute http(s) URL, resolved against `base` when relative; else None."""
    if not isinstance(value, str):
        return None
    url = value.strip().replace(" ", "%20")
    if not url or _WHITESPACE.search(url):
        return None
    if url.startswith("//"):
        url = f"https:{url}"  # protocol-relative: the scheme is all that is missing
    elif "://" not in url:
        if base is None or (not url.startswith("/") and ":" in url.split("/", 1)[0]):
            return None  # nothing to resolve against, or another scheme (mailto:, javascript:)
        try:
            url = urljoin(base + "/", url)
        except ValueError:
            return None
    parts = _split(url)
    if parts is None or parts.scheme not in ("http", "https") or not _is_host(parts):
        return None
    return url


def _split(url: str) -> SplitResult | None:
    """The parts of `url`, or None when it cannot be parsed (an unbalanced IPv6 bracket,
    "http://[::1")."""
    try:
        parts = urlsplit(url)
        parts.hostname  # noqa: B018 -- raises for a malformed bracketed host
        parts.port  # noqa: B018 -- raises for a port out of range or not a number
    except ValueError:
        return None
    return parts


def _is_host(parts: SplitResult) -> bool:
    hostname = parts.hostname
    return bool(hostname) and ("." in hostname or hostname == "localhost")
