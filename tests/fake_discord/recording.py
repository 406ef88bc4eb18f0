"""The record of REST calls, the failure rules tests inject, and waiting for either to change."""

# Waiting helpers take `timeout=` like asyncio.wait_for, so tests read naturally.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RecordedFile:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RecordedCall:
    """One REST request. `path` is relative to the API base (e.g. "/channels/1/messages");
    `json` is the JSON body, or the parsed `payload_json` part of a multipart body."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: tuple[RecordedFile, ...] = ()
    status: int | None = None
    response: Any = None

    def matches(self, method: str, path: str) -> bool:
        return method_matches(method, self.method) and re.fullmatch(path, self.path) is not None


@dataclass
class FailureRule:
    """Answer matching requests with an error; `remaining=None` means for ever."""

    method: str
    path: str
    status: int
    code: int
    message: str
    remaining: int | None = 1
    retry_after: float = 0.01  # a 429's wait, in seconds
    hits: list[RecordedCall] = field(default_factory=list)

    def applies_to(self, call: RecordedCall) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        return call.matches(self.method, self.path)

    def consume(self, call: RecordedCall) -> None:
        self.hits.append(call)
        if self.remaining is not None:
            self.remaining -= 1


DEFAULT_ERRORS: Mapping[int, tuple[int, str]] = {
    400: (50035, "Invalid Form Body"),
    401: (0, "401: Unauthorized"),
    403: (50013, "Missing Permissions"),
    404: (0, "404: Not Found"),
    429: (0, "You are being rate limited."),
}


def failure_rule(
    method: str,
    path: str,
    *,
    status: int,
    code: int | None = None,
    message: str | None = None,
    times: int | None = 1,
    retry_after: float = 0.01,
) -> FailureRule:
    """A rule with Discord's usual error code and message for `status` unless given."""
    default_code, default_message = DEFAULT_ERRORS.get(status, (0, f"{status}: Error"))
    return FailureRule(
        method=method,
        path=path,
        status=status,
        code=default_code if code is None else code,
        message=message or default_message,
        remaining=times,
        retry_after=retry_after,
    )


def method_matches(wanted: str, actual: str) -> bool:
    return wanted == "*" or wanted.upper() == actual.upper()


class Changes:
    """Lets tests await a condition on the fake's state: every change wakes every waiter."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(
        self, probe: Callable[[], T | None], *, timeout: float, describe: Callable[[], str]
    ) -> T:
        """Returns probe()'s first non-None value; raises TimeoutError saying what was missing."""
        try:
            async with asyncio.timeout(timeout):
                while (result := probe()) is None:
                    await self._event.wait()
        except TimeoutError:
            raise TimeoutError(f"after {timeout}s: {describe()}") from None
        return result
