"""Point discord.py at a fake server: the two class attributes it reads at call time.

`Route.BASE` is read when each Route is built, and REST, interaction callbacks and webhook
followups all build Routes; `DiscordWebSocket.DEFAULT_GATEWAY` is read on every connect (RESUMEs
go to READY's `resume_gateway_url` instead).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route


@contextmanager
def point_discord_at(base_url: str) -> Iterator[None]:
    """`base_url` is the fake's root, e.g. "http://127.0.0.1:PORT"; restored on exit."""
    root = base_url.rstrip("/")
    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = f"{root}/api/v10"
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(root.replace("http", "ws", 1) + "/gateway")
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved
