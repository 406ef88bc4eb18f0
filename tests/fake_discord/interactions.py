"""One interaction's life on the fake: the callback, @original, followups, and what tests await.

The rules follow Discord's: one callback per interaction (a second is 400/40060); type 4 and 5
create the original message (5 as a "thinking" message with the LOADING flag); 6 and 7 make the
clicked message the original; after a type-5 defer the first followup replaces the thinking
message instead of creating a new one.
"""

# Waiting helpers take `timeout=` like asyncio.wait_for, so tests read naturally.
# ruff: noqa: ASYNC109

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tests.fake_discord.models import (
    FakeApiError,
    already_acknowledged,
    unknown_message,
)
from tests.fake_discord.payloads import Json
from tests.fake_discord.recording import RecordedFile
from tests.fake_discord.state import World

# Interaction types
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
# Callback types
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
# Message flags
EPHEMERAL, LOADING = 1 << 6, 1 << 7
# Seconds a test waits for the bot before failing: generous, for a loaded 2-core machine.
WAIT = 15.0

ALLOWED_CALLBACKS: Mapping[int, frozenset[int]] = {
    APPLICATION_COMMAND: frozenset({CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL}),
    MESSAGE_COMPONENT: frozenset(
        {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL}
    ),
    AUTOCOMPLETE: frozenset({AUTOCOMPLETE_RESULT}),
    MODAL_SUBMIT: frozenset(
        {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE}
    ),
}


class FakeInteraction:
    """An INTERACTION_CREATE the fake sent, and everything the bot did with its token."""

    def __init__(self, world: World, payload: Json) -> None:
        self._world = world
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.kind: int = payload["type"]
        self.channel_id = int(payload["channel_id"])
        self.callback: Json | None = None
        self.original_id: int | None = None
        self.followup_ids: list[int] = []
        self.edits: list[Json] = []
        self._awaiting_first_followup = False

    # -- what tests use ------------------------------------------------------------------------

    async def response(self, timeout: float = WAIT) -> Json:
        """The callback body the bot POSTed: {"type": ..., "data": {...}}."""
        return await self._world.changes.wait_for(
            lambda: self.callback, timeout=timeout, describe=lambda: f"no callback for {self}"
        )

    async def autocomplete_choices(self, timeout: float = WAIT) -> list[Json]:
        body = await self.response(timeout)
        if body["type"] != AUTOCOMPLETE_RESULT:
            raise AssertionError(f"expected an autocomplete result, got callback {body}")
        return list(body["data"]["choices"])

    @property
    def original(self) -> Json | None:
        """The current @original message, or None before there is one."""
        if self.original_id is None or not self._world.has_message(self.original_id):
            return None
        return self._world.message(self.original_id)

    @property
    def followups(self) -> list[Json]:
        return [self._world.message(i) for i in self.followup_ids if self._world.has_message(i)]

    async def final_message(self, timeout: float = WAIT) -> Json:
        """What the invoker sees once the bot has answered: @original, after a deferred
        "thinking" was replaced (callback 5) or the clicked message was edited (callback 6)."""

        def answered() -> Json | None:
            original = self.original
            if self.callback is None or original is None:
                return None
            kind = self.callback["type"]
            if kind == DEFERRED_CHANNEL_MESSAGE and original["flags"] & LOADING:
                return None
            if kind == DEFERRED_UPDATE and not self.edits:
                return None
            return original

        return await self._world.changes.wait_for(
            answered, timeout=timeout, describe=lambda: f"no finished @original for {self}"
        )

    async def nth_edit(self, index: int, timeout: float = WAIT) -> Json:
        """The `index`-th edit of @original (0 the first), once the bot has made it."""
        return await self._world.changes.wait_for(
            lambda: self.edits[index] if len(self.edits) > index else None,
            timeout=timeout,
            describe=lambda: f"no edit #{index} of @original for {self}; edits: {self.edits}",
        )

    async def followup(self, index: int = 0, timeout: float = WAIT) -> Json:
        def nth() -> Json | None:
            sent = self.followups
            return sent[index] if len(sent) > index else None

        return await self._world.changes.wait_for(
            nth, timeout=timeout, describe=lambda: f"no followup #{index} for {self}"
        )

    def __repr__(self) -> str:
        name = self.payload["data"].get("name") or self.payload["data"].get("custom_id")
        return f"<FakeInteraction id={self.id} type={self.kind} {name!r}>"

    # -- what the REST handlers call -----------------------------------------------------------

    def acknowledge(self, body: Json, files: Iterable[RecordedFile]) -> Json:
        if self.callback is not None:
            raise already_acknowledged()
        callback_type = body.get("type")
        if callback_type not in ALLOWED_CALLBACKS.get(self.kind, frozenset()):
            raise FakeApiError(
                400, 50035, f"Invalid Form Body: callback type {callback_type} for type {self.kind}"
            )
        data = body.get("data") or {}
        message = self._apply_callback(callback_type, data, files)
        self.callback = body
        self._world.changes.notify()
        return self._callback_reply(callback_type, data, message)

    def edit(self, message_id: int | None, body: Json, files: Iterable[RecordedFile]) -> Json:
        """PATCH @original (message_id None) or one of this token's followups."""
        target = self._own_message(message_id)
        message = self._edit_stored(target, body, files)
        if target == self.original_id:
            self.edits.append(body)
            self._awaiting_first_followup = False
        return message

    def delete(self, message_id: int | None) -> None:
        self._world.delete_message(self._own_message(message_id))

    def get(self, message_id: int | None) -> Json:
        return self._world.message(self._own_message(message_id))

    def send_followup(self, body: Json, files: Iterable[RecordedFile]) -> Json:
        if self.callback is None:
            raise FakeApiError(404, 10015, "Unknown Webhook")
        if self._awaiting_first_followup and self.original_id is not None:
            self._awaiting_first_followup = False
            message = self._edit_stored(self.original_id, body, files)
        else:
            ephemeral = bool((body.get("flags") or 0) & EPHEMERAL)
            message = self._world.create_message(
                self.channel_id,
                body,
                files=files,
                extra=self._message_extra(),
                in_history=not ephemeral,
            )
        self.followup_ids.append(int(message["id"]))
        self._world.changes.notify()
        return message

    # -- internals -----------------------------------------------------------------------------

    def _apply_callback(
        self, callback_type: int, data: Json, files: Iterable[RecordedFile]
    ) -> Json | None:
        if callback_type in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE):
            ephemeral = bool((data.get("flags") or 0) & EPHEMERAL)
            body = data
            if callback_type == DEFERRED_CHANNEL_MESSAGE:
                body = {"flags": LOADING | (EPHEMERAL if ephemeral else 0)}
                self._awaiting_first_followup = True
            message = self._world.create_message(
                self.channel_id,
                body,
                files=files,
                kind=self._message_kind(),
                extra=self._message_extra(),
                in_history=not ephemeral,
            )
            self.original_id = int(message["id"])
            return message
        if callback_type in (DEFERRED_UPDATE, UPDATE_MESSAGE):
            self.original_id = int(self.payload["message"]["id"])
            if callback_type == UPDATE_MESSAGE:
                return self._world.edit_message(self.original_id, data, files=files)
        return None

    def _edit_stored(self, message_id: int, body: Json, files: Iterable[RecordedFile]) -> Json:
        """Edits clear LOADING; whether a message is ephemeral was decided when it was created."""
        stored_flags = self._world.message(message_id)["flags"]
        requested = body.get("flags", stored_flags)
        flags = ((requested or 0) & ~(EPHEMERAL | LOADING)) | (stored_flags & EPHEMERAL)
        return self._world.edit_message(message_id, {**body, "flags": flags}, files=files)

    def _callback_reply(self, callback_type: int, data: Json, message: Json | None) -> Json:
        flags = message["flags"] if message else 0
        interaction: Json = {
            "id": str(self.id),
            "type": self.kind,
            "response_message_id": str(self.original_id) if self.original_id else None,
            "response_message_loading": bool(flags & LOADING),
            "response_message_ephemeral": bool(flags & EPHEMERAL),
        }
        resource: Json = {"type": callback_type}
        if message is not None and callback_type in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            resource["message"] = message
        return {"interaction": interaction, "resource": resource}

    def _own_message(self, message_id: int | None) -> int:
        if message_id is None or message_id == self.original_id:
            if self.original_id is None:
                raise unknown_message()
            return self.original_id
        if message_id not in self.followup_ids:
            raise unknown_message()
        return message_id

    def _message_kind(self) -> int:
        if self.kind != APPLICATION_COMMAND:
            return 0
        return 20 if self.payload["data"].get("type", 1) == 1 else 23

    def _message_extra(self) -> Json:
        user = self.payload["member"]["user"]
        app_id = str(self._world.application_id)
        return {
            "webhook_id": app_id,
            "application_id": app_id,
            "interaction_metadata": {
                "id": str(self.id),
                "type": self.kind,
                "user": user,
                "authorizing_integration_owners": self.payload["authorizing_integration_owners"],
            },
        }
