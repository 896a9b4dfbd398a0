"""End to end: answer channels. A question posted in one is answered in a thread started on it;
chat gets nothing; questions in the thread are answered there; without the Message Content
intent the bot says so once at start-up and keeps answering mentions and /ask."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

import pytest
from conftest import Deployment, texts
from emulator import MESSAGE_CONTENT, DiscordEmulator, Perm
from test_bot import DENG, no_pings

from bot.runner import CONTENT_INTENT_REFUSED, BotRunner
from retrieval import ArchiveService

DENG_QUOTE = "**Deng became** a **communist** in France."
CHAT = (
    "thanks!",
    "ok",
    "lol",
    "\N{THUMBS UP SIGN}\N{THUMBS UP SIGN}",
    "https://example.org/deng-xiaoping-in-france",
    "great answer, thank you",
)
QUIET = 0.5  # how long to watch for a reply that must not come


def bot_messages(emu: DiscordEmulator) -> list:
    return [m for m in emu.messages if m.author.id == emu.bot_user.id]


def threads(emu: DiscordEmulator) -> list:
    return emu.guild.threads


@pytest.fixture
async def answers(emu: DiscordEmulator):
    """An "ask-the-archive" channel set aside for questions, the intent allowed in the portal."""
    emu.privileged_intents = MESSAGE_CONTENT
    return await emu.add_channel("ask-the-archive")


async def test_a_question_is_answered_in_a_thread_started_on_it(
    emu: DiscordEmulator, deployment: Deployment, answers
) -> None:
    async with deployment.running(answer_channel_ids=frozenset({answers.id})):
        identify = next(e for e in emu.gateway.events if e.kind == "identify")
        assert identify.detail["intents"] & MESSAGE_CONTENT
        asked = await emu.send_message(DENG, channel=answers)
        thread = await emu.wait_for(lambda: emu.thread_of(asked), what="a thread")
        assert thread.name == DENG and thread.parent_id == answers.id
        answer = await emu.wait_for_message(channel=thread)
        embed = answer.embeds[0]
        assert embed["title"] == f"Q: {DENG}"
        assert DENG_QUOTE in embed["description"]
        assert embed["footer"]["text"] == "Results 1–3 · More results shows the next ones"
        assert [c.split(":")[:2] for c in answer.custom_ids] == [
            ["ans", "more"],
            ["ans", "notes"],
            ["fb", "up"],
            ["fb", "down"],
        ]
        # The channel itself stays readable: the bot wrote nothing there.
        assert not [m for m in bot_messages(emu) if m.channel_id == answers.id]
        # /help says where to ask without a mention.
        help_text = (await (await emu.invoke_slash("help", {})).wait_for_message()).embeds[0]
        assert (
            f"• In <#{answers.id}>: just post your question, no mention needed; I answer in a "
            "thread.\n" in help_text["description"]
        )
        # The buttons work as under any answer.
        more = next(c for c in answer.custom_ids if c.startswith("ans:more:"))
        click = await emu.click_button(answer, more)
        await click.wait_for_response()
        assert click.response_type == 7
        assert emu.message(answer.id).embeds[0]["footer"]["text"].startswith("Results 4–")
    no_pings(emu)
    emu.assert_clean()


async def test_chat_in_an_answer_channel_gets_no_reply(
    emu: DiscordEmulator, deployment: Deployment, answers
) -> None:
    async with deployment.running(answer_channel_ids=frozenset({answers.id})):
        for text in CHAT:
            await emu.send_message(text, channel=answers)
        await asyncio.sleep(QUIET)
        assert bot_messages(emu) == [] and threads(emu) == []
    emu.assert_clean()


async def test_a_follow_up_in_the_thread_is_answered_there(
    emu: DiscordEmulator, deployment: Deployment, answers
) -> None:
    async with deployment.running(answer_channel_ids=frozenset({answers.id})):
        asked = await emu.send_message(DENG, channel=answers)
        thread = await emu.wait_for(lambda: emu.thread_of(asked), what="a thread")
        first = await emu.wait_for_message(channel=thread)
        bob = await emu.add_user("bob")
        follow_up = await emu.send_message("Who studied in Germany?", channel=thread, author=bob)
        reply = await emu.wait_for_reply(follow_up)
        assert reply.channel_id == thread.id and reply.id > first.id
        assert reply.embeds[0]["title"] == "Q: Who studied in Germany?"
        assert "Zhu De" in texts(reply)
        # Chat in the thread is left alone, and no thread is started inside a thread.
        await emu.send_message("thanks, that helps", channel=thread)
        await asyncio.sleep(QUIET)
        assert len(bot_messages(emu)) == 2 and threads(emu) == [thread]
    no_pings(emu)
    emu.assert_clean()


async def test_a_message_in_an_ordinary_channel_needs_a_mention(
    emu: DiscordEmulator, deployment: Deployment, answers
) -> None:
    async with deployment.running(answer_channel_ids=frozenset({answers.id})):
        await emu.send_message("Who studied in Germany?")  # #general, no mention
        await asyncio.sleep(QUIET)
        assert bot_messages(emu) == []
        asked = await emu.send_message("Who studied in Germany?", mentions=[emu.bot_user])
        reply = await emu.wait_for_reply(asked)
        assert reply.channel_id == emu.channel.id and "Zhu De" in texts(reply)
        assert threads(emu) == []
    emu.assert_clean()


async def test_a_long_question_names_its_thread_within_discords_limit(
    emu: DiscordEmulator, deployment: Deployment, answers
) -> None:
    question = (
        "Where did Deng Xiaoping become a communist, and what did he do in France while "
        "he worked there with Zhou Enlai in the early 1920s?"
    )
    async with deployment.running(answer_channel_ids=frozenset({answers.id})):
        asked = await emu.send_message(question, channel=answers)
        thread = await emu.wait_for(lambda: emu.thread_of(asked), what="a thread")
        assert thread.name == (
            "Where did Deng Xiaoping become a communist, and what did he do in France while "
            "he worked there…"
        )
        answer = await emu.wait_for_message(channel=thread)
        assert answer.embeds[0]["title"] == f"Q: {question}"
    emu.assert_clean()


async def test_the_rate_limit_applies_in_answer_channels(
    emu: DiscordEmulator, deployment: Deployment, answers
) -> None:
    async with deployment.running(
        answer_channel_ids=frozenset({answers.id}), rate_limit_questions=1, rate_limit_seconds=60
    ):
        first = await emu.send_message(DENG, channel=answers)
        await emu.wait_for_message(channel=await emu.wait_for(lambda: emu.thread_of(first)))
        second = await emu.send_message("Who studied in Germany?", channel=answers)
        # A refused question gets a reply in the channel, not a thread of its own: a user
        # asking fast would otherwise fill the channel with threads.
        told = await emu.wait_for_reply(second)
        assert told.channel_id == answers.id
        assert told.content.startswith("You're asking quickly. You can ask again <t:")
        assert told.content.endswith("(in 60 s).") and not told.embeds
        assert emu.thread_of(second) is None
    emu.assert_clean()


async def test_without_create_public_threads_the_bot_replies_in_the_channel(
    emu: DiscordEmulator, deployment: Deployment, answers, caplog
) -> None:
    emu.guild.everyone.permissions &= ~int(Perm.CREATE_PUBLIC_THREADS)
    caplog.set_level(logging.WARNING)
    async with deployment.running(answer_channel_ids=frozenset({answers.id})):
        asked = await emu.send_message(DENG, channel=answers)
        reply = await emu.wait_for_reply(asked)
        assert reply.channel_id == answers.id and DENG_QUOTE in reply.embeds[0]["description"]
    assert threads(emu) == []
    said = [r.getMessage() for r in caplog.records if r.name == "bot.replies"]
    assert said == [
        "cannot start a thread in #ask-the-archive (the bot needs the Create Public Threads "
        "permission there); replying in the channel instead"
    ]


async def test_without_the_content_intent_the_bot_says_so_once_and_keeps_answering(
    emu: DiscordEmulator, deployment: Deployment, caplog
) -> None:
    answers = await emu.add_channel("ask-the-archive")  # the intent is off in the portal
    settings = replace(deployment.settings, answer_channel_ids=frozenset({answers.id}))
    service = await ArchiveService.open(settings.db_path, seed=settings.sources)
    runner = BotRunner(service, settings, connector=emu.connector, guild_ready_timeout=0.05)
    caplog.set_level(logging.INFO)
    task = asyncio.create_task(runner.run())
    try:
        await emu.wait_for_identify(timeout=30)
        assert runner.bot is not None
        await asyncio.wait_for(runner.bot.wait_until_ready(), 10)
        # Refused with close code 4014 once, then connected without the intent.
        assert emu.gateway.count("disallowed_intents") == 1
        identified = [e.detail["intents"] for e in emu.gateway.events if e.kind == "identify"]
        assert len(identified) == 1 and not identified[0] & MESSAGE_CONTENT
        assert emu.gateway.connected and runner.attempts == 2
        # Mentions and /ask keep working.
        asked = await emu.send_message("Who studied in Germany?", mentions=[emu.bot_user])
        assert "Zhu De" in texts(await emu.wait_for_reply(asked))
        record = await emu.invoke_slash("ask", {"question": DENG})
        assert DENG_QUOTE in (await record.wait_for_message()).embeds[0]["description"]
        help_text = (await (await emu.invoke_slash("help", {})).wait_for_message()).embeds[0]
        assert "no mention needed" not in help_text["description"]
        # The answer channel is off: Discord sends the bot its messages without their text.
        await emu.send_message(DENG, channel=answers)
        await asyncio.sleep(QUIET)
        assert threads(emu) == []
        assert [m.channel_id for m in bot_messages(emu) if not m.ephemeral] == [
            emu.channel.id,
            emu.channel.id,
        ]
    finally:
        await runner.stop()
        await task
        await service.close()
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warned == [CONTENT_INTENT_REFUSED]
    assert CONTENT_INTENT_REFUSED == (
        "Discord refused the Message Content intent, so ANSWER_CHANNEL_IDS is ignored: answer "
        "channels are off, mentions and /ask keep working. To turn it on: Developer Portal -> "
        "your application -> Bot -> Privileged Gateway Intents -> Message Content Intent, then "
        "restart the bot."
    )
    emu.assert_clean()
