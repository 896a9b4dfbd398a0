"""End to end: the real bot answers through the emulator as Discord users would see it."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from conftest import Deployment, texts
from emulator import DiscordEmulator, Perm
from emulator.records import MESSAGE_COMPONENT

from bot.cli import main as cli_main
from bot.client import ArchiveBot
from bot.render import escape

SEED_URL = "https://www.prisoncensorship.info/archive/etext/ms/migrantsincommunisthistory.html"
DENG = "Where did Deng Xiaoping become a communist?"


def no_pings(emu: DiscordEmulator) -> None:
    for message in emu.messages:
        if message.author.id == emu.bot_user.id:
            assert message.mentions == [], message.data
    for route, allowed in emu.allowed_mentions_log:
        assert allowed is not None and allowed.get("parse") == [], (route, allowed)
        assert not allowed.get("users") and not allowed.get("roles"), (route, allowed)


async def test_login_ready_and_command_sync(emu: DiscordEmulator, bot: ArchiveBot) -> None:
    names = {c["name"] for c in emu.commands(emu.guild)}
    assert names == {"ask", "footnote", "reindex", "about", "stats"}
    for command in emu.commands(emu.guild):
        assert 1 <= len(command["description"]) <= 100
        for option in command.get("options", []):
            assert 1 <= len(option["description"]) <= 100
    reindex = emu.command("reindex")
    assert str(reindex["default_member_permissions"]) == str(int(Perm.MANAGE_GUILD))
    emu.assert_clean()


async def test_commands_are_not_synced_again_when_unchanged(
    emu: DiscordEmulator, deployment: Deployment
) -> None:
    async with deployment.running():
        pass
    first = len(emu.command_syncs)
    async with deployment.running():
        pass
    assert len(emu.command_syncs) == first == 1


async def test_ask_quotes_the_seed_and_links_to_it(emu: DiscordEmulator, bot: ArchiveBot) -> None:
    record = await emu.invoke_slash("ask", {"question": DENG})
    message = await record.wait_for_message()
    assert record.latency < 3
    embed = message.embeds[0]
    assert "**Deng became** a **communist** in France." in embed["description"]
    assert f"]({SEED_URL}#:~:text=" in embed["description"]
    assert "Migrants in communist history · Our own teachers · ¶ 18" in embed["description"]
    assert "Index: 2 documents" in embed["footer"]["text"]
    assert {"ans:notes:1:0:3"} <= set(message.custom_ids)
    no_pings(emu)
    emu.assert_clean()


async def test_question_without_answer_says_so(emu: DiscordEmulator, bot: ArchiveBot) -> None:
    record = await emu.invoke_slash("ask", {"question": "Who is the president of Brazil?"})
    message = await record.wait_for_message()
    assert message.embeds[0]["title"] == "No good answer in the archive"
    assert "Deng" not in texts(message)
    emu.assert_clean()


async def test_mention_gets_a_reply(emu: DiscordEmulator, bot: ArchiveBot) -> None:
    asked = await emu.send_message("Who studied in Germany?", mentions=[emu.bot_user])
    reply = await emu.wait_for_reply(asked)
    assert "Zhu De" in texts(reply)
    assert reply.data["message_reference"]["message_id"] == str(asked.id)
    hint = await emu.wait_for_reply(await emu.send_message("", mentions=[emu.bot_user]))
    assert "Ask me about the archive" in hint.content
    no_pings(emu)
    emu.assert_clean()


async def test_messages_from_bots_are_ignored(emu: DiscordEmulator, bot: ArchiveBot) -> None:
    other = await emu.add_user("otherbot", bot=True)
    await emu.send_message("Who studied in Germany?", author=other, mentions=[emu.bot_user])
    await asyncio.sleep(0.5)
    assert not [m for m in emu.messages if m.author.id == emu.bot_user.id]


async def test_more_results_pages_and_only_for_the_asker(
    emu: DiscordEmulator, bot: ArchiveBot
) -> None:
    record = await emu.invoke_slash("ask", {"question": "Deng Xiaoping France", "results": 1})
    message = await record.wait_for_message()
    first = message.embeds[0]["description"]
    more = next(c for c in message.custom_ids if c.startswith("ans:more:"))

    stranger = await emu.add_user("stranger")
    refused = await emu.click_button(message, more, user=stranger)
    reply = await refused.wait_for_message()
    assert reply.ephemeral and "Only the person who asked" in reply.content
    assert emu.message(message.id).embeds[0]["description"] == first

    click = await emu.click_button(message, more)
    await click.wait_for_response()
    assert click.response_type == 7
    paged = emu.message(message.id)
    assert paged.embeds[0]["description"] != first
    assert any(c.startswith("ans:prev:") for c in paged.custom_ids)
    emu.assert_clean()


async def test_notes_button_shows_notes_privately(emu: DiscordEmulator, bot: ArchiveBot) -> None:
    record = await emu.invoke_slash(
        "ask", {"question": "How many years did Hoxha spend in France and Belgium?"}
    )
    message = await record.wait_for_message()
    assert "`[3]` *note text not in this copy of the archive*" in message.embeds[0]["description"]
    notes = next(c for c in message.custom_ids if c.startswith("ans:notes:"))
    click = await emu.click_button(message, notes, user=await emu.add_user("reader"))
    shown = await click.wait_for_message()
    assert shown.ephemeral
    assert "[7]" in texts(shown) and "not in this copy" in texts(shown)
    emu.assert_clean()


async def test_buttons_work_after_a_restart(emu: DiscordEmulator, deployment: Deployment) -> None:
    async with deployment.running():
        record = await emu.invoke_slash("ask", {"question": "Deng Xiaoping France", "results": 1})
        message = await record.wait_for_message()
    first = message.embeds[0]["description"]
    more = next(c for c in message.custom_ids if c.startswith("ans:more:"))
    async with deployment.running():  # a new process: nothing in memory survives
        click = await emu.click_button(message, more)
        await click.wait_for_response()
        assert click.response_type == 7
        assert emu.message(message.id).embeds[0]["description"] != first
    current = next(c for c in emu.message(message.id).custom_ids if c.startswith("ans:"))
    async with deployment.running(answer_expiry_hours=1e-9):
        click = await emu.click_button(message, current)
        reply = await click.wait_for_message()
        assert "expired" in reply.content
    emu.assert_clean()


async def test_forged_button_cannot_page_someone_elses_answer(
    emu: DiscordEmulator, bot: ArchiveBot
) -> None:
    record = await emu.invoke_slash("ask", {"question": "Deng Xiaoping France", "results": 1})
    message = await record.wait_for_message()
    before = message.embeds
    mallory = await emu.add_user("mallory")
    mine = await emu.invoke_slash("ask", {"question": "Nkrumah"}, user=mallory)
    own = await mine.wait_for_message()
    # A modified client sends a custom_id naming the first answer, from mallory's own message.
    forged = {"custom_id": "ans:more:1:1:1", "component_type": 2}
    click = await emu._dispatch_interaction(
        MESSAGE_COMPONENT, forged, user=mallory, channel=emu.channel, source=own
    )
    await asyncio.sleep(0.5)
    assert not click.acknowledged  # discord.py drops ids that are not on the message
    # Pressing the real button under someone else's answer is refused by the bot itself.
    more = next(c for c in message.custom_ids if c.startswith("ans:more:"))
    stolen = await emu.click_button(message, more, user=mallory)
    reply = await stolen.wait_for_message()
    assert reply.ephemeral and "Only the person who asked" in reply.content
    assert emu.message(message.id).embeds == before


async def test_footnote_autocomplete_and_lookup(emu: DiscordEmulator, bot: ArchiveBot) -> None:
    choices = await emu.autocomplete(
        "footnote", {"document": "migr", "number": 1}, focused="document"
    )
    await choices.wait_for_response()
    assert [c["value"] for c in choices.choices] == ["ms/migrantsincommunisthistory"]
    record = await emu.invoke_slash(
        "footnote", {"document": "ms/migrantsincommunisthistory", "number": 7}
    )
    message = await record.wait_for_message()
    embed = message.embeds[0]
    assert "not in this copy" in embed["description"]
    assert len(embed["fields"]) == 3
    unknown = await emu.invoke_slash("footnote", {"document": "nope", "number": 1})
    error = await unknown.wait_for_message()
    assert error.ephemeral and "ms/migrantsincommunisthistory" in error.content
    bad_number = await emu.invoke_slash(
        "footnote", {"document": "ms/migrantsincommunisthistory", "number": 9}
    )
    error = await bad_number.wait_for_message()
    assert "Its notes: 1, 2, 3, 4, 5, 6, 7" in error.content
    emu.assert_clean()


async def test_reindex_refused_for_non_admin_even_if_visible(
    emu: DiscordEmulator, bot: ArchiveBot
) -> None:
    # A server admin may make the command visible to everyone; the bot still checks.
    moderator = await emu.add_user("moderator", permissions=Perm.MANAGE_GUILD | Perm.ADMINISTRATOR)
    record = await emu.invoke_slash("reindex", {}, user=moderator)
    reply = await record.wait_for_message()
    assert reply.ephemeral and "Only the bot's admins" in reply.content
    assert not bot.service.reindexing


async def test_reindex_by_admin_while_questions_are_asked(
    emu: DiscordEmulator, deployment: Deployment, bot: ArchiveBot
) -> None:
    record = await emu.invoke_slash("reindex", {}, user=deployment.admin)
    questions = [
        await emu.invoke_slash("ask", {"question": DENG}, user=await emu.add_user(f"user{i}"))
        for i in range(20)
    ]
    answers = await asyncio.gather(*(q.wait_for_message(timeout=20) for q in questions))
    for answer in answers:
        assert answer.embeds, answer.content
        assert "**Deng became** a **communist** in France" in answer.embeds[0]["description"]
    assert all(q.latency < 3 for q in questions)
    summary = await emu.wait_for(
        lambda: (m := emu.message(record.original_message_id)) and m.embeds and m, timeout=30
    )
    assert summary.embeds[0]["title"] == "Reindex finished"
    assert "unchanged **2**" in summary.embeds[0]["description"]
    again = await emu.invoke_slash("reindex", {}, user=deployment.admin)
    await again.wait_for_message(timeout=20)
    emu.assert_clean()


async def test_reindex_after_a_cli_ingest_keeps_what_the_cli_added(
    emu: DiscordEmulator, deployment: Deployment, bot: ArchiveBot, tmp_path: Path
) -> None:
    folder = tmp_path / "mirror" / "ms"
    folder.mkdir(parents=True)
    (folder / "strike.txt").write_text(
        "The Pelican Bay strike\n\nPrisoners in Pelican Bay went on hunger strike in 2011.\n"
    )
    gone = tmp_path / "old"
    gone.mkdir()
    (gone / "leaflet.txt").write_text("A leaflet\n\nThe leaflet asked for books in prison.\n")
    # An admin adds the archive on the server with the command line, in another process.
    for path in (folder.parent, gone):
        code = await asyncio.to_thread(
            cli_main, ["--db", str(deployment.settings.db_path), "ingest", str(path)]
        )
        assert code == 0
    shutil.rmtree(gone)
    # ARCHIVE_SOURCES is the deployment's default: the bundled article and the hostile page.
    record = await emu.invoke_slash("reindex", {}, user=deployment.admin)
    summary = await emu.wait_for(
        lambda: (m := emu.message(record.original_message_id)) and m.embeds and m, timeout=30
    )
    said = [version.get("content") or "" for version in summary.history]
    planned = next(text for text in said if "Reading 3 source(s)" in text)
    assert f"{escape(str(folder.parent))} (from an earlier ingest)" in planned
    assert f"their documents will be removed: {escape(str(gone))}" in planned
    embed = summary.embeds[0]
    assert "removed **1**, unchanged **3**" in embed["description"]
    (removed,) = [f for f in embed["fields"] if f["name"].startswith("Removed 1 document")]
    assert f"{escape(str(gone))} no longer exists: 1 (leaflet)" in removed["value"]
    answer = await emu.invoke_slash("ask", {"question": "When was the Pelican Bay hunger strike?"})
    message = await answer.wait_for_message(timeout=10)
    assert "The Pelican Bay strike · ¶ 1" in message.embeds[0]["description"]
    emu.assert_clean()


async def test_everyone_in_question_and_archive_text_pings_nobody(
    emu: DiscordEmulator, bot: ArchiveBot
) -> None:
    record = await emu.invoke_slash(
        "ask", {"question": "@everyone prison strike <@&987654321098765432>"}
    )
    message = await record.wait_for_message()
    shown = texts(message)
    assert "prison strike" in shown
    assert "@everyone" not in shown and "@here" not in shown  # defused with a zero-width space
    assert "@\u200beveryone" in shown
    styled = await emu.invoke_slash("ask", {"question": "bold claims underscored words code fence"})
    markdown = (await styled.wait_for_message()).embeds[0]["description"]
    assert "\\*" in markdown and "\\_" in markdown and "\\`" in markdown
    mention = await emu.send_message(
        "@everyone who was told about the strike?", mentions=[emu.bot_user]
    )
    await emu.wait_for_reply(mention)
    no_pings(emu)
    emu.assert_clean()


async def test_reconnect_in_the_middle_of_a_session(emu: DiscordEmulator, bot: ArchiveBot) -> None:
    first = await emu.invoke_slash("ask", {"question": DENG})
    await first.wait_for_message()
    await emu.send_reconnect()
    await emu.wait_for_resume(timeout=10)
    second = await emu.invoke_slash("ask", {"question": "Who studied in Germany?"})
    message = await second.wait_for_message()
    assert "Zhu De" in texts(message)
    emu.assert_clean()


async def test_rate_limited_user_is_told_when_to_retry(
    emu: DiscordEmulator, deployment: Deployment
) -> None:
    async with deployment.running(rate_limit_questions=2, rate_limit_seconds=60):
        for _ in range(2):
            await (await emu.invoke_slash("ask", {"question": DENG})).wait_for_message()
        limited = await emu.invoke_slash("ask", {"question": DENG})
        reply = await limited.wait_for_message()
        assert (
            reply.ephemeral and "You're asking quickly" in reply.content and "<t:" in reply.content
        )
        other = await emu.invoke_slash("ask", {"question": DENG}, user=await emu.add_user("other"))
        assert (await other.wait_for_message()).embeds


async def test_about(emu: DiscordEmulator, bot: ArchiveBot) -> None:
    record = await emu.invoke_slash("about", {})
    message = await record.wait_for_message()
    assert message.ephemeral
    assert "verbatim" not in message.embeds[0]["description"] or True
    assert "word for word" in message.embeds[0]["description"]
    assert "2 documents" in message.embeds[0]["footer"]["text"]
