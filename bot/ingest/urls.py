"""Absolute http(s) URLs only: Discord rejects a whole message for one bad URL."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

_WHITESPACE = re.compile(r"\s")


def site_base(*candidates: object) -> str | None:
    """The first usable origin among absolute URLs and bare domains ("wired.com")."""
    for candidate in candidates:
        if not isinstance(candidate, str) or not candidate.strip():
            continue
        value = candidate.strip()
        if "://" not in value and not value.startswith("/"):
            value = f"https://{value}"
        parts = urlsplit(value)
        if parts.scheme in ("http", "https") and _is_host(parts.hostname):
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
        url = urljoin(base + "/", url)
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return None
    if parts.scheme not in ("http", "https") or not _is_host(parts.hostname):
        return None
    return url


def _is_host(hostname: str | None) -> bool:
    return bool(hostname) and ("." in hostname or hostname == "localhost")
