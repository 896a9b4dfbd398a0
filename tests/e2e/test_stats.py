"""End to end: questions asked through Discord land in the question log without anyone's id, and
/stats shows admins (only them, privately) what is asked."""

from __future__ import annotations

import sqlite3

from conftest import Deployment, texts
from emulator import DiscordEmulator, Perm

from bot.client import ArchiveBot
from bot.cogs.admin import STATS_REFUSED

FOUND = "Who studied in Germany?"
MISSING = "Who is the president of Brazil?"


def log_rows(bot: ArchiveBot) -> list[tuple]:
    with sqlite3.connect(bot.service.store.path) as conn:
        return conn.execute("SELECT * FROM question_log ORDER BY entry_id").fetchall()


async def test_slash_and_mention_questions_are_logged_without_user_ids(
    emu: DiscordEmulator, deployment: Deployment, bot: ArchiveBot
) -> None:
    asker = await emu.add_user("asker")
    first = await emu.invoke_slash("ask", {"question": FOUND, "results": 2}, user=asker)
    answer = await first.wait_for_message()
    second = await emu.invoke_slash("ask", {"question": MISSING}, user=asker)
    await second.wait_for_message()
    mention = await emu.send_message(
        f"<@{emu.user.id}> {FOUND.lower()}", mentions=[emu.bot_user, emu.user]
    )
    await emu.wait_for_reply(mention)
    rows = await emu.wait_for(lambda: (r := log_rows(bot)) and len(r) == 3 and r, timeout=5)
    questions = [(row[1], row[4], row[5], row[6]) for row in rows]
    assert questions == [
        (FOUND, 0, 2, "discord"),
        (MISSING, 1, 0, "discord"),
        (FOUND.lower(), 0, 3, "discord"),
    ]
    everything = " ".join(str(v) for row in rows for v in row)
    for user in (asker, emu.user, emu.bot_user, deployment.admin):
        assert str(user.id) not in everything
    # Paging an answer is no new question.
    more = next(c for c in answer.custom_ids if c.startswith("ans:more:"))
    click = await emu.click_button(answer, more, user=asker)
    await click.wait_for_response()
    assert click.response_type == 7
    assert len(log_rows(bot)) == 3
    emu.assert_clean()


async def test_stats_shows_admins_what_is_asked_privately(
    emu: DiscordEmulator, deployment: Deployment, bot: ArchiveBot
) -> None:
    for question in (FOUND, FOUND, MISSING):
        record = await emu.invoke_slash("ask", {"question": question})
        await record.wait_for_message()
    await emu.wait_for(lambda: len(log_rows(bot)) == 3, timeout=5)
    record = await emu.invoke_slash("stats", {}, user=deployment.admin)
    reply = await record.wait_for_message()
    assert reply.ephemeral
    shown = texts(reply)
    assert "Questions, last 14 days" in shown
    assert "**3** asked, **1** not found" in shown
    assert f"2× {FOUND}" in shown
    assert MISSING in shown.split("Recently not found")[1]
    assert "never who asked" in shown
    assert "Feedback: 0 helpful, 0 not helpful" in shown and "no votes yet" in shown
    emu.assert_clean()


async def test_stats_counts_the_votes_on_answers(
    emu: DiscordEmulator, deployment: Deployment, bot: ArchiveBot
) -> None:
    record = await emu.invoke_slash("ask", {"question": FOUND})
    message = await record.wait_for_message()
    up = next(c for c in message.custom_ids if c.startswith("fb:up:"))
    down = next(c for c in message.custom_ids if c.startswith("fb:down:"))
    for custom_id, user in ((up, emu.user), (down, await emu.add_user("bob"))):
        click = await emu.click_button(message, custom_id, user=user)
        await click.wait_for_message()
    stats = await emu.invoke_slash("stats", {}, user=deployment.admin)
    shown = texts(await stats.wait_for_message())
    assert "Feedback: 1 helpful, 1 not helpful" in shown
    assert "`ms/migrantsincommunisthistory` 1 helpful, 1 not" in shown


async def test_stats_refused_for_non_admin_even_if_visible(
    emu: DiscordEmulator, bot: ArchiveBot
) -> None:
    moderator = await emu.add_user("moderator", permissions=Perm.MANAGE_GUILD | Perm.ADMINISTRATOR)
    record = await emu.invoke_slash("ask", {"question": FOUND})
    await record.wait_for_message()
    refused = await emu.invoke_slash("stats", {}, user=moderator)
    reply = await refused.wait_for_message()
    assert reply.ephemeral and reply.content == STATS_REFUSED
    assert FOUND not in texts(reply)
    assert str(emu.command("stats")["default_member_permissions"]) == str(int(Perm.MANAGE_GUILD))


async def test_no_question_log_when_retention_is_zero(
    emu: DiscordEmulator, deployment: Deployment
) -> None:
    async with deployment.running(question_retention_days=0) as bot:
        record = await emu.invoke_slash("ask", {"question": FOUND})
        await record.wait_for_message()
        stats = await emu.invoke_slash("stats", {}, user=deployment.admin)
        reply = await stats.wait_for_message()
        assert "question log is off" in reply.content
        assert log_rows(bot) == []
