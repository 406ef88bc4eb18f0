"""The pure parts of answering where questions are asked (bot/autoanswer.py)."""

from __future__ import annotations

from bot.autoanswer import RateLimit, clears, question_from_mention

BOT = 1_100_000_000_000_000_001


def test_the_question_is_the_message_without_the_bot_s_mentions() -> None:
    text = f"<@{BOT}>  what do   dopamine neurons encode? <@!{BOT}>"
    assert question_from_mention(text, BOT) == "what do dopamine neurons encode?"
    # Someone else's mention is part of the question.
    assert question_from_mention(f"<@{BOT}> ask <@42> about it", BOT) == "ask <@42> about it"
    assert question_from_mention(f"<@{BOT}>", BOT) == ""


def test_only_an_answer_at_or_above_the_channel_s_confidence_clears() -> None:
    assert clears(True, 0.7, 0.7)
    assert not clears(True, 0.69, 0.7)
    assert not clears(False, 0.9, 0.5)


def test_the_rate_limit_is_per_channel_and_slides() -> None:
    limit = RateLimit(limit=2, window=60.0)
    assert limit.allow(1, 0.0) and limit.allow(1, 10.0)
    assert not limit.allow(1, 59.0)
    assert limit.allow(2, 59.0)  # another channel
    assert limit.allow(1, 60.5)  # the first event left the window
    assert not limit.allow(1, 61.0)
