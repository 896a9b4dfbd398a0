"""End to end: the real bot answers through the emulator as Discord users would see it."""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from conftest import Deployment, texts
from emulator import DiscordEmulator, Perm
from emulator.records import MESSAGE_COMPONENT

from bot.cli import main as cli_main
from bot.client import ArchiveBot
from bot.render import escape
from bot.views import EXPIRED, NOTES_GONE
from retrieval import MAX_QUESTION_CHARS

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
    names = {(c["type"], c["name"]) for c in emu.commands(emu.guild)}
    assert {(1, "ask"), (1, "footnote"), (1, "reindex"), (1, "about"), (1, "stats")} | {
        (1, "help"),
        (3, "Find in archive"),
    } == names
    for command in emu.commands(emu.guild):
        if command["type"] != 1:  # message commands have no description
            continue
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
    assert embed["title"] == f"Q: {DENG}"
    assert embed["footer"]["text"] == "Results 1–3 · More results shows the next ones"
    assert message.custom_ids == [
        "ans:more:1:3:3",
        "ans:notes:1:0:3",
        "fb:up:1:0:3",
        "fb:down:1:0:3",
    ]
    no_pings(emu)
    emu.assert_clean()


async def test_question_without_answer_says_so(emu: DiscordEmulator, bot: ArchiveBot) -> None:
    record = await emu.invoke_slash("ask", {"question": "Who is the president of Brazil?"})
    message = await record.wait_for_message()
    embed = message.embeds[0]
    assert embed["title"] == "No good answer in the archive"
    assert embed["description"].split("\n\n")[:2] == [
        "The archive has no passage that answers this question well.",
        "Q: Who is the president of Brazil?",
    ]
    assert "footer" not in embed  # no index statistics, and no results to count
    assert message.custom_ids == []  # no Notes button that would say "no footnotes"
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


async def test_a_mention_replying_to_a_message_asks_about_that_message(
    emu: DiscordEmulator, bot: ArchiveBot
) -> None:
    bob = await emu.add_user("bob")
    claim = await emu.send_message("Deng Xiaoping never became a communist in France", author=bob)
    # "is this right?" has no words of its own to search: the message it replies to is asked.
    asked = await emu.send_message("is this right?", mentions=[emu.bot_user], reply_to=claim)
    reply = await emu.wait_for_reply(asked)
    embed = reply.embeds[0]
    assert embed["title"] == escape(
        f"From @{bob.global_name}'s message: “Deng Xiaoping never became a communist in France”"
    )
    assert "Deng became a communist in France" in embed["description"].replace("**", "")
    # A question of its own is answered as asked, whatever it replies to.
    own = await emu.send_message(
        "where did Hoxha study?", mentions=[emu.bot_user], reply_to=claim, author=bob
    )
    answered = await emu.wait_for_reply(own)
    assert answered.embeds[0]["title"] == "Q: where did Hoxha study?"
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
    description = message.embeds[0]["description"]
    assert "*Note 3 is cited but not in this copy of the archive.*" in description
    notes = next(c for c in message.custom_ids if c.startswith("ans:notes:"))
    click = await emu.click_button(message, notes, user=await emu.add_user("reader"))
    shown = await click.wait_for_message()
    assert shown.ephemeral
    (field,) = shown.embeds[0]["fields"]
    assert field["name"] == "Migrants in communist history"
    assert field["value"] == "*Notes 1–7 are cited but not in this copy of the archive.*"
    emu.assert_clean()


async def test_notes_come_from_the_saved_page_and_say_so_when_it_was_never_saved(
    emu: DiscordEmulator, deployment: Deployment
) -> None:
    async with deployment.running():
        record = await emu.invoke_slash(
            "ask", {"question": "How many years did Hoxha spend in France and Belgium?"}
        )
        message = await record.wait_for_message()
    notes = next(c for c in message.custom_ids if c.startswith("ans:notes:"))
    async with deployment.running():  # a new process: the page is read back from SQLite
        click = await emu.click_button(message, notes)
        shown = await click.wait_for_message()
        assert shown.ephemeral
        assert [f["name"] for f in shown.embeds[0]["fields"]] == ["Migrants in communist history"]
    # The released version did not save pages: its Notes buttons get a plain answer.
    with closing(sqlite3.connect(deployment.settings.db_path)) as conn, conn:
        conn.execute("DELETE FROM answer_pages")
    async with deployment.running():
        click = await emu.click_button(message, notes)
        reply = await click.wait_for_message()
        assert reply.ephemeral and reply.content == NOTES_GONE


async def test_notes_button_shows_the_notes_of_the_page_on_screen(
    emu: DiscordEmulator, bot: ArchiveBot, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror" / "mn"
    mirror.mkdir(parents=True)
    (mirror / "alpha.txt").write_text(
        "MIM Notes 1, January 1, 1990\n\nThe zebra strike began. The zebra strike grew.(1)\n\n"
        "Notes:\n1. Alpha source.\n"
    )
    (mirror / "beta.txt").write_text(
        "MIM Notes 2, March 3, 1997\n\nThe zebra strike ended after a long winter.(1)\n\n"
        "Notes:\n1. Beta source.\n"
    )
    await bot.service.ingest([mirror.parent])

    async def notes_shown(message) -> list[str]:
        notes = next(c for c in message.custom_ids if c.startswith("ans:notes:"))
        shown = await (await emu.click_button(message, notes)).wait_for_message()
        return [f"{f['name']}: {f['value']}" for f in shown.embeds[0]["fields"]]

    record = await emu.invoke_slash("ask", {"question": "zebra strike", "results": 1})
    message = await record.wait_for_message()
    first = await notes_shown(message)
    more = next(c for c in message.custom_ids if c.startswith("ans:more:"))
    await (await emu.click_button(message, more)).wait_for_response()
    second = await notes_shown(emu.message(message.id))
    assert len(first) == len(second) == 1
    assert {first[0].split(":")[0], second[0].split(":")[0]} == {
        "MIM Notes 1, January 1, 1990",
        "MIM Notes 2, March 3, 1997",
    }
    # The notes of an answer narrowed by years are those of the document it quotes.
    record = await emu.invoke_slash("ask", {"question": "zebra strike", "results": 1, "from": 1995})
    narrowed = await record.wait_for_message()
    assert "MIM Notes 2, March 3, 1997" in narrowed.embeds[0]["description"]
    assert await notes_shown(narrowed) == [
        line for line in first + second if line.startswith("MIM Notes 2")
    ]
    emu.assert_clean()


async def test_previous_goes_back_a_page_and_each_button_says_what_it_does(
    emu: DiscordEmulator, bot: ArchiveBot
) -> None:
    def buttons(message) -> dict[str, tuple[str, int, str]]:
        return {
            c["custom_id"].split(":")[1]: (c["label"], c["style"], c["custom_id"])
            for c in message.walk_components()
            if "custom_id" in c
        }

    record = await emu.invoke_slash("ask", {"question": "Deng Xiaoping France", "results": 1})
    message = await record.wait_for_message()
    first = buttons(message)
    assert "prev" not in first
    assert first["more"][:2] == ("More results", 1)  # primary: the next step
    assert first["notes"][:2] == ("Notes", 2)
    assert (first["up"][:2], first["down"][:2]) == (("Helpful", 2), ("Not helpful", 2))
    await (await emu.click_button(message, first["more"][2])).wait_for_response()
    second = buttons(emu.message(message.id))
    assert second["prev"][:2] == ("Previous", 2)
    await (await emu.click_button(emu.message(message.id), second["prev"][2])).wait_for_response()
    assert emu.message(message.id).embeds == message.embeds
    assert buttons(emu.message(message.id)) == first
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


async def test_a_button_pressed_after_expiry_is_refused_while_the_question_is_still_stored(
    emu: DiscordEmulator, bot: ArchiveBot
) -> None:
    record = await emu.invoke_slash("ask", {"question": "Deng Xiaoping France", "results": 1})
    message = await record.wait_for_message()
    more = next(c for c in message.custom_ids if c.startswith("ans:more:"))
    question_id = int(more.split(":")[2])
    # Two days pass between two hourly purges: the question is still stored, so only the check
    # made when the button is pressed can refuse it.
    async with bot.service.store.transaction() as w:
        await w.execute(
            "UPDATE saved_questions SET created_at = created_at - 2 * 86400 WHERE question_id = ?",
            (question_id,),
        )
    assert await bot.service.saved_question(question_id) is not None
    click = await emu.click_button(message, more)
    reply = await click.wait_for_message()
    assert reply.ephemeral and reply.content == EXPIRED
    assert emu.message(message.id).embeds == message.embeds
    emu.assert_clean()


async def test_a_button_that_fails_says_why_privately(
    emu: DiscordEmulator, bot: ArchiveBot, caplog: pytest.LogCaptureFixture
) -> None:
    record = await emu.invoke_slash("ask", {"question": "Deng Xiaoping France", "results": 1})
    message = await record.wait_for_message()
    more = next(c for c in message.custom_ids if c.startswith("ans:more:"))
    question_id = int(more.split(":")[2])

    async def press_with(column: str, value: str) -> str:
        async with bot.service.store.transaction() as w:
            await w.execute(
                f"UPDATE saved_questions SET {column} = ? WHERE question_id = ?",
                (value, question_id),
            )
        reply = await (await emu.click_button(message, more)).wait_for_message()
        assert reply.ephemeral
        return reply.content

    # A library error is told as it is; anything else only as a reference to the log.
    question = await press_with("question", "<@123456789012345678>")
    assert question.startswith("the question is empty")
    damaged = await press_with("created_at", "yesterday")
    ref = re.fullmatch(r"Something went wrong \(ref ([^)]+)\)\. Please try again later\.", damaged)
    assert ref is not None
    (logged,) = [r for r in caplog.records if ref[1] in r.getMessage()]
    assert logged.exc_info is not None and logged.exc_info[0] is TypeError  # the traceback
    assert emu.message(message.id).embeds == message.embeds


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
    # What was typed comes back as typed, not as markdown.
    marked = await emu.invoke_slash("footnote", {"document": "**bold**", "number": 1})
    error = await marked.wait_for_message()
    assert error.content.startswith("no document '\\*\\*bold\\*\\*'")
    # The page's address as a browser shows it finds the document too.
    by_address = await emu.autocomplete(
        "footnote", {"document": "migrantsincommunisthistory.html", "number": 1}, focused="document"
    )
    await by_address.wait_for_response()
    assert [c["value"] for c in by_address.choices] == ["ms/migrantsincommunisthistory"]
    emu.assert_clean()


async def test_reindex_refused_for_non_admin_even_if_visible(
    emu: DiscordEmulator, bot: ArchiveBot
) -> None:
    # A server admin may make the command visible to everyone; the bot still checks.
    moderator = await emu.add_user("moderator", permissions=Perm.MANAGE_GUILD | Perm.ADMINISTRATOR)
    record = await emu.invoke_slash("reindex", {}, user=moderator)
    reply = await record.wait_for_message()
    assert reply.ephemeral
    assert reply.content == (
        "Sorry, only the bot's admins can rebuild the index. "
        "If it needs rebuilding, ask the person who runs the bot."
    )
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
    assert summary.embeds[0]["description"].startswith(
        "Documents: added **0**, changed **0**, removed **0**, unchanged **2**, from 2 sources.\n"
    )
    again = await emu.invoke_slash("reindex", {}, user=deployment.admin)
    await again.wait_for_message(timeout=20)
    emu.assert_clean()


STRIKE = "The Pelican Bay strike\n\nPrisoners in Pelican Bay went on hunger strike in 2011.\n"


async def cli_ingest(deployment: Deployment, path: Path) -> None:
    """What an admin does on the server: `archive-bot ingest PATH`, in another process's stead."""
    code = await asyncio.to_thread(
        cli_main, ["--db", str(deployment.settings.db_path), "ingest", str(path)]
    )
    assert code == 0


async def reindexed(emu: DiscordEmulator, deployment: Deployment):
    """The message of an admin's /reindex once its summary embed is there."""
    record = await emu.invoke_slash("reindex", {}, user=deployment.admin)
    return await emu.wait_for(
        lambda: (m := emu.message(record.original_message_id)) and m.embeds and m, timeout=30
    )


async def assert_the_strike_is_answered(emu: DiscordEmulator) -> None:
    answer = await emu.invoke_slash("ask", {"question": "When was the Pelican Bay hunger strike?"})
    message = await answer.wait_for_message(timeout=10)
    assert "The Pelican Bay strike · ¶ 1" in message.embeds[0]["description"]


async def test_reindex_keeps_the_documents_of_a_folder_that_reads_empty(
    emu: DiscordEmulator, deployment: Deployment, bot: ArchiveBot, tmp_path: Path
) -> None:
    # The mirror on a disk that is not mounted at this reindex: its folder is there, empty.
    mirror = tmp_path / "mnt" / "mirror"
    mirror.mkdir(parents=True)
    (mirror / "strike.txt").write_text(STRIKE)
    await cli_ingest(deployment, mirror)
    (mirror / "strike.txt").rename(tmp_path / "strike.txt")
    embed = (await reindexed(emu, deployment)).embeds[0]
    assert "removed **0**" in embed["description"]
    (kept,) = [f for f in embed["fields"] if f["name"].startswith("Kept the documents of")]
    assert f"{escape(str(mirror))}: no document could be read there now" in kept["value"]
    await assert_the_strike_is_answered(emu)
    emu.assert_clean()


async def test_reindex_after_a_cli_ingest_keeps_what_the_cli_added(
    emu: DiscordEmulator, deployment: Deployment, bot: ArchiveBot, tmp_path: Path
) -> None:
    folder = tmp_path / "mirror" / "ms"
    folder.mkdir(parents=True)
    (folder / "strike.txt").write_text(STRIKE)
    gone = tmp_path / "old"
    gone.mkdir()
    (gone / "leaflet.txt").write_text("A leaflet\n\nThe leaflet asked for books in prison.\n")
    # An admin adds the archive on the server with the command line, in another process.
    for path in (folder.parent, gone):
        await cli_ingest(deployment, path)
    shutil.rmtree(gone)
    # ARCHIVE_SOURCES is the deployment's default: the bundled article and the hostile page.
    summary = await reindexed(emu, deployment)
    said = [version.get("content") or "" for version in summary.history]
    planned = next(text for text in said if "Reading 3 sources" in text)
    assert f"{escape(str(folder.parent))} (from an earlier ingest)" in planned
    assert f"their documents will be removed: {escape(str(gone))}" in planned
    embed = summary.embeds[0]
    assert "removed **1**, unchanged **3**, from 3 sources." in embed["description"]
    (removed,) = [f for f in embed["fields"] if f["name"].startswith("Removed 1 document")]
    assert f"{escape(str(gone))} no longer exists: 1 (leaflet)" in removed["value"]
    await assert_the_strike_is_answered(emu)
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


async def test_one_question_length_limit_for_every_way_of_asking(
    emu: DiscordEmulator, bot: ArchiveBot
) -> None:
    (option,) = [o for o in emu.command("ask")["options"] if o["name"] == "question"]
    assert option["max_length"] == MAX_QUESTION_CHARS == 1000  # the library's limit
    longest = ("Deng Xiaoping France " * 50)[:MAX_QUESTION_CHARS]
    record = await emu.invoke_slash("ask", {"question": longest})
    message = await record.wait_for_message()
    assert "Deng" in message.embeds[0]["description"]
    asked = await emu.send_message(longest + "x", mentions=[emu.bot_user])
    reply = await emu.wait_for_reply(asked)
    assert reply.content == (
        "I can't search that: the question is too long (1,001 characters; the limit is 1,000): "
        "ask about one thing at a time."
    )
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
    assert "word for word" in message.embeds[0]["description"]
    footer = message.embeds[0]["footer"]["text"]
    assert footer.startswith("The index holds 2 documents, built 20")


async def test_help_gives_examples_from_the_indexed_titles(
    emu: DiscordEmulator, bot: ArchiveBot, tmp_path: Path
) -> None:
    folder = tmp_path / "more"
    folder.mkdir()
    for n, title in enumerate(
        [
            "The Pelican Bay hunger strike",
            "Why Amerika?",
            "The `code` page",
            "On the labor aristocracy",
        ]
    ):
        (folder / f"page{n}.txt").write_text(f"{title}\n\nWhat {title} says about prisons.\n")
    await bot.service.ingest([folder])
    bot.forget_documents()
    titles = {d.title for d in await bot.service.documents()}
    assert len(titles) == 6
    for _ in range(3):  # picked at random: each time from what the index holds
        record = await emu.invoke_slash("help", {})
        message = await record.wait_for_message()
        assert message.ephemeral
        embed = message.embeds[0]
        assert embed["title"] == "How to ask"
        examples = re.findall(r"^• `/ask question: (.+)`$", embed["description"], re.MULTILINE)
        assert len(examples) == len(set(examples)) == 3
        for example in examples:
            about = example.removeprefix("What does the archive say about ").removesuffix("?")
            assert about in titles or example in titles, example
            assert "`" not in example
        assert "Mention me: `@Archive who studied in France?`" in embed["description"]
        assert "no mention needed" not in embed["description"]  # no answer channels here
    about = await (await emu.invoke_slash("about", {})).wait_for_message()
    assert about.embeds[0]["description"].endswith(
        "`/help` shows how to ask, with example questions."
    )
    emu.assert_clean()


async def test_mentions_in_a_question_are_shown_as_names(
    emu: DiscordEmulator, bot: ArchiveBot
) -> None:
    alice = await emu.add_user("alice2", nick="Ally")
    mods = await emu.add_role("Moderators")
    asked = await emu.send_message(
        f"{alice.mention} {mods.mention} see {emu.channel.mention}: {DENG}",
        mentions=[emu.bot_user],
    )
    reply = await emu.wait_for_reply(asked)
    embed = reply.embeds[0]
    assert embed["title"] == f"Q: @Ally @Moderators see #general: {DENG}"
    assert "**Deng became** a **communist** in France." in embed["description"]
    # A slash command's text carries bare ids: the user is looked up to be named.
    record = await emu.invoke_slash("ask", {"question": f"{alice.mention} asked: {DENG}"})
    message = await record.wait_for_message()
    assert message.embeds[0]["title"] == f"Q: @Alice2 asked: {DENG}"
    stranger = await emu.invoke_slash("ask", {"question": f"<@123456789012345678> said {DENG}"})
    unknown = await stranger.wait_for_message()
    assert unknown.embeds[0]["title"] == f"Q: @unknown-user said {DENG}"
    no_pings(emu)
    emu.assert_clean()


async def test_find_in_archive_checks_a_message_privately(
    emu: DiscordEmulator, bot: ArchiveBot
) -> None:
    claim = await emu.send_message("Deng became a communist in France, right?")
    reader = await emu.add_user("reader")
    record = await emu.invoke_context_menu("Find in archive", claim, user=reader)
    answer = await record.wait_for_message()
    assert answer.ephemeral
    embed = answer.embeds[0]
    assert embed["title"] == "From @Alice's message: “Deng became a communist in France, right?”"
    assert embed["description"].startswith("> **Deng became** a **communist** in **France**.")
    # The presser owns the answer: they may page it.
    more = next(c for c in answer.custom_ids if c.startswith("ans:more:"))
    click = await emu.click_button(answer, more, user=reader)
    await click.wait_for_response()
    assert click.response_type == 7
    assert emu.message(answer.id).embeds[0]["footer"]["text"].startswith("Results 4–")
    no_pings(emu)
    emu.assert_clean()


async def test_find_in_archive_reduces_a_long_message_to_its_telling_words(
    emu: DiscordEmulator, bot: ArchiveBot
) -> None:
    long = (
        "ok so I was arguing with someone in another server and they kept saying that Deng "
        "Xiaoping was never really a communist and that he only joined the party when he was "
        "already back in China after the war, which sounds wrong to me because I remember "
        "reading that he became a communist while he was working in France in the 1920s with "
        "Zhou Enlai, can someone check this?"
    )
    claim = await emu.send_message(long)
    record = await emu.invoke_context_menu("Find in archive", claim)
    answer = await record.wait_for_message()
    assert answer.ephemeral
    embed = answer.embeds[0]
    assert embed["title"] == (
        "From @Alice's message, searched for: "
        "Deng Xiaoping joined party back China war became France 1920s Zhou Enlai"
    )
    assert "Migrants in communist history" in embed["description"]
    emu.assert_clean()


async def test_find_in_archive_on_a_message_without_words_gives_a_hint(
    emu: DiscordEmulator, bot: ArchiveBot
) -> None:
    for text in ("https://example.org/page <:party:123456789>", ""):
        empty = await emu.send_message(text, embeds=[{"title": "a picture"}] if not text else None)
        record = await emu.invoke_context_menu("Find in archive", empty)
        hint = await record.wait_for_message()
        assert hint.ephemeral
        assert hint.content == (
            "That message has no words I can look up in the archive (only links, mentions, "
            "emoji or code). Use /ask and say what you want to check in your own words."
        )
    emu.assert_clean()


async def test_feedback_votes_are_changed_and_counted(
    emu: DiscordEmulator, deployment: Deployment, bot: ArchiveBot
) -> None:
    record = await emu.invoke_slash("ask", {"question": DENG})
    message = await record.wait_for_message()
    up = next(c for c in message.custom_ids if c.startswith("fb:up:"))
    down = next(c for c in message.custom_ids if c.startswith("fb:down:"))
    labels = [c.get("label") for c in message.components[1]["components"]]
    assert labels == ["Helpful", "Not helpful"]
    said = []
    for custom_id, user in ((up, emu.user), (up, emu.user), (down, emu.user)):
        click = await emu.click_button(message, custom_id, user=user)
        reply = await click.wait_for_message()
        assert reply.ephemeral
        said.append(reply.content)
    other = await emu.click_button(message, up, user=await emu.add_user("bob"))
    said.append((await other.wait_for_message()).content)
    better = ' Other words, a name, or a "quoted phrase" often find a better passage.'
    assert said == [
        "Thanks: you found this answer helpful. So far: 1 helpful, 0 not helpful.",
        "You had already marked this answer helpful. So far: 1 helpful, 0 not helpful.",
        "Changed your vote: not helpful. So far: 0 helpful, 1 not helpful." + better,
        "Thanks: you found this answer helpful. So far: 1 helpful, 1 not helpful.",
    ]
    summary = await bot.service.feedback()
    assert [(q.subject, q.helpful, q.not_helpful) for q in summary.questions] == [(DENG, 1, 1)]
    quoted = {d.subject: (d.helpful, d.not_helpful) for d in summary.documents}
    assert quoted["ms/migrantsincommunisthistory"] == (1, 1)
    # Who voted is kept only as a keyed hash: no user id is stored with the votes.
    with sqlite3.connect(deployment.settings.db_path) as conn:
        stored = repr(conn.execute("SELECT * FROM feedback").fetchall())
    assert str(emu.user.id) not in stored and len(stored) > 0
    no_pings(emu)
    emu.assert_clean()
