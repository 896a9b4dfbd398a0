"""Self-check of the Discord emulator against the real, unmodified discord.py client."""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
import pytest_asyncio
from discord import app_commands
from discord.ext import commands
from emulator import LOADING, DiscordEmulator, Perm, run_client

TOPICS = ["prisons", "economics", "history", "culture"]


class AnswerView(discord.ui.View):
    """One button that rewrites the message it lives on."""

    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="More", custom_id="more", style=discord.ButtonStyle.primary)
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content="more details", view=None)


def make_bot(emu: DiscordEmulator, seen: list[str], *, guild_sync: bool = False) -> commands.Bot:
    """A small bot exercising embeds, views, defer + follow-up, autocomplete and on_message."""
    bot = commands.Bot(
        command_prefix=commands.when_mentioned,
        intents=discord.Intents.default(),
        connector=emu.connector(),
        guild_ready_timeout=0.05,
        help_command=None,
    )
    quiet = discord.AllowedMentions.none()

    @bot.tree.command(name="ask", description="Ask the archive a question")
    async def ask(interaction: discord.Interaction, question: str) -> None:
        embed = discord.Embed(title="Answer", description=f"You asked: {question}")
        await interaction.response.send_message(
            embed=embed, view=AnswerView(), allowed_mentions=quiet
        )

    @bot.tree.command(name="slow", description="A deferred answer")
    async def slow(interaction: discord.Interaction, question: str) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.05)
        await interaction.followup.send(
            f"slow answer to {question}", view=AnswerView(), allowed_mentions=quiet
        )

    @bot.tree.command(name="late", description="Answers after the emulator's deadline")
    async def late(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.3)
        try:
            await interaction.response.send_message("too late")
        except discord.NotFound as exc:
            seen.append(f"late:{exc.code}")

    async def topic_choices(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=t, value=t) for t in TOPICS if current.lower() in t]

    @bot.tree.command(name="search", description="Search a topic")
    @app_commands.autocomplete(topic=topic_choices)
    async def search(interaction: discord.Interaction, topic: str) -> None:
        await interaction.response.send_message(f"searching {topic}", allowed_mentions=quiet)

    @bot.event
    async def on_message(message: discord.Message) -> None:
        if message.author.bot:
            return
        seen.append(message.content)
        if bot.user in message.mentions:
            await message.reply(
                f"pong: {message.clean_content}", mention_author=False, allowed_mentions=quiet
            )

    async def setup_hook() -> None:
        if guild_sync:
            guild = discord.Object(emu.guild.id)
            bot.tree.copy_global_to(guild=guild)
            await bot.tree.sync(guild=guild)
        else:
            await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[DiscordEmulator]:
    async with DiscordEmulator(interaction_timeout=3.0) as emulator:
        yield emulator


@pytest_asyncio.fixture
async def seen() -> list[str]:
    return []


@pytest_asyncio.fixture
async def bot(emu: DiscordEmulator, seen: list[str]) -> AsyncIterator[commands.Bot]:
    async with run_client(emu, make_bot(emu, seen)) as client:
        yield client


@pytest.mark.asyncio
async def test_login_ready_and_command_sync(emu: DiscordEmulator, bot: commands.Bot) -> None:
    assert bot.user is not None and bot.user.id == emu.bot_user.id
    assert bot.application_id == emu.application_id
    identify = next(e for e in emu.gateway.events if e.kind == "identify")
    assert identify.detail["intents"] == discord.Intents.default().value
    # zlib-stream, or zstd-stream when the zstandard package is installed.
    assert emu.gateway.events[0].detail["query"]["compress"] in ("zlib-stream", "zstd-stream")
    guild = bot.get_guild(emu.guild.id)
    assert guild is not None and guild.me is not None
    assert [c.id for c in guild.text_channels] == [emu.channel.id]
    assert {"discord.com", "gateway.discord.gg"} <= set(emu.resolved_hosts)
    assert [(scope, sorted(c["name"] for c in cmds)) for scope, cmds in emu.command_syncs] == [
        (None, ["ask", "late", "search", "slow"])
    ]
    assert emu.command("ask")["options"][0]["name"] == "question"
    assert {"/users/@me", "/oauth2/applications/@me"} <= {r.path for r in emu.requests}
    emu.assert_clean()


@pytest.mark.asyncio
async def test_guild_sync_and_invocation() -> None:
    async with DiscordEmulator(heartbeat_interval=50) as emu:
        async with run_client(emu, make_bot(emu, [], guild_sync=True)):
            assert emu.command_syncs[0][0] == emu.guild.id
            await emu.wait_for(lambda: emu.gateway.heartbeats >= 3, timeout=2.0)
            rec = await emu.invoke_slash("search", {"topic": "history"})
            assert rec.payload["data"]["guild_id"] == str(emu.guild.id)
            msg = await rec.wait_for_message()
            assert msg.content == "searching history"
        emu.assert_clean()


@pytest.mark.asyncio
async def test_slash_embed_and_button(emu: DiscordEmulator, bot: commands.Bot) -> None:
    rec = await emu.invoke_slash("ask", {"question": "what about prisons?"})
    callback = await rec.wait_for_response(timeout=3.0)
    assert callback.type == 4 and callback.latency < 3.0
    msg = await rec.wait_for_message()
    assert msg.embeds[0]["title"] == "Answer"
    assert msg.embeds[0]["description"] == "You asked: what about prisons?"
    assert msg.custom_ids == ["more"]
    assert msg.allowed_mentions == {"parse": []}
    assert msg.data["interaction_metadata"]["user"]["id"] == str(emu.user.id)

    click = await emu.click_button(msg, "more")
    assert (await click.wait_for_response()).type == 7
    assert msg.content == "more details" and msg.components == [] and msg.edits == 1
    assert msg.history[0]["components"][0]["components"][0]["custom_id"] == "more"
    emu.assert_clean()


@pytest.mark.asyncio
async def test_defer_then_followup_edits_thinking_message(
    emu: DiscordEmulator, bot: commands.Bot
) -> None:
    rec = await emu.invoke_slash("slow", {"question": "why?"})
    assert (await rec.wait_for_response()).type == 5
    placeholder = rec.original
    assert placeholder is not None
    msg = await rec.wait_for_message()
    assert msg.id == placeholder.id and rec.followups == []
    assert msg.content == "slow answer to why?" and not msg.loading
    assert msg.history[0]["flags"] & LOADING
    # The view was stored under the placeholder's id, so clicks reach it.
    click = await emu.click_button(msg, "more")
    await click.wait_for_response()
    assert msg.content == "more details"
    emu.assert_clean()


@pytest.mark.asyncio
async def test_autocomplete(emu: DiscordEmulator, bot: commands.Bot) -> None:
    rec = await emu.autocomplete("search", {"topic": "o"}, focused="topic")
    assert (await rec.wait_for_response()).type == 8
    assert [c["value"] for c in rec.choices or []] == ["prisons", "economics", "history"]
    emu.assert_clean()


@pytest.mark.asyncio
async def test_on_message_reply_survives_a_429(
    emu: DiscordEmulator, bot: commands.Bot, seen: list[str]
) -> None:
    rule = emu.faults.rate_limit(1, route=r"^POST /channels/\d+/messages$", retry_after=0.2)
    sent = await emu.send_message("what is in the archive?", mentions=[emu.bot_user])
    reply = await emu.wait_for_reply(sent, timeout=5.0)
    assert reply.content == "pong: @archive-bot what is in the archive?"
    assert reply.mentions == [] and reply.allowed_mentions == {"parse": [], "replied_user": False}
    posts = emu.requests_matching("POST", "/channels/{channel_id}/messages")
    assert [r.status for r in posts] == [429, 200] and len(rule.hits) == 1
    # Without the message-content intent, unmentioned messages arrive empty.
    await emu.send_message("nobody pinged you")
    await emu.wait_for(lambda: len(seen) == 2)
    assert seen == [sent.content, ""]
    emu.assert_clean()


@pytest.mark.asyncio
async def test_server_error_is_retried(emu: DiscordEmulator, bot: commands.Bot) -> None:
    emu.faults.server_error(1, status=502, route=r"/messages$")
    channel = bot.get_channel(emu.channel.id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("after a 502")
    assert emu.message(sent.id) is not None
    assert [r.status for r in emu.requests_matching("POST")][-2:] == [502, 200]


@pytest.mark.asyncio
async def test_limits_are_enforced(emu: DiscordEmulator, bot: commands.Bot) -> None:
    channel = bot.get_channel(emu.channel.id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as info:
        await channel.send(embed=discord.Embed(description="x" * 5000))
    assert info.value.status == 400 and info.value.code == 50035
    failure = emu.validation_failures[-1]
    assert (
        failure.errors["embeds"]["0"]["description"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    )
    with pytest.raises(discord.HTTPException) as info:
        await channel.send("y" * 2001)
    assert info.value.code == 50035
    six_k = [discord.Embed(description="z" * 4000), discord.Embed(description="z" * 2001)]
    with pytest.raises(discord.HTTPException):
        await channel.send(embeds=six_k)
    assert "MAX_EMBED_SIZE_EXCEEDED" in json.dumps(emu.validation_failures[-1].errors)
    assert len(emu.validation_failures) == 3 and emu.messages == []


@pytest.mark.asyncio
async def test_late_and_double_callbacks() -> None:
    async with DiscordEmulator(interaction_timeout=0.2) as emu:
        seen: list[str] = []
        async with run_client(emu, make_bot(emu, seen)):
            rec = await emu.invoke_slash("late")
            await emu.wait_for(lambda: seen)
            assert seen == ["late:10062"] and not rec.acknowledged
            assert rec.attempts[0].error_code == 10062

            ok = await emu.invoke_slash("search", {"topic": "culture"})
            await ok.wait_for_response()
            url = f"https://discord.com/api/v10/interactions/{ok.id}/{ok.token}/callback"
            again = {"type": 4, "data": {"content": "again"}}
            async with (
                aiohttp.ClientSession(connector=emu.connector()) as session,
                session.post(url, json=again) as resp,
            ):
                assert resp.status == 400
                assert (await resp.json())["code"] == 40060


@pytest.mark.asyncio
async def test_gateway_reconnect_resume_and_invalidate(
    emu: DiscordEmulator, bot: commands.Bot
) -> None:
    await emu.send_reconnect()
    resumed = await emu.wait_for_resume(timeout=5.0)
    assert resumed.session_id == emu.gateway.session.id
    rec = await emu.invoke_slash("search", {"topic": "prisons"})
    assert (await rec.wait_for_message()).content == "searching prisons"

    await emu.drop_connection(code=4000)
    await emu.wait_for_resume(timeout=5.0)
    await emu.drop_connection(code=None)  # abrupt TCP/TLS abort
    await emu.wait_for_resume(timeout=5.0)

    # discord.py sleeps 5 s before every re-IDENTIFY (before_identify_hook); skip that here.
    async def no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    bot.before_identify_hook = no_identify_delay  # type: ignore[method-assign]
    await emu.invalidate_session(resumable=False)
    await emu.wait_for_identify(timeout=5.0)
    assert emu.gateway.count("ready") == 2
    rec = await emu.invoke_slash("search", {"topic": "history"})
    assert (await rec.wait_for_message()).content == "searching history"
    emu.assert_clean()


@pytest.mark.asyncio
async def test_resume_replays_missed_dispatches(emu: DiscordEmulator) -> None:
    """Protocol-level check with a bare websocket: RESUME replays what was missed."""
    url = "wss://gateway.discord.gg/?v=10&encoding=json&compress=zlib-stream"

    async def frames(
        ws: aiohttp.ClientWebSocketResponse, inflater: Any
    ) -> AsyncIterator[dict[str, Any]]:
        async for msg in ws:
            yield json.loads(inflater.decompress(msg.data))

    async with aiohttp.ClientSession(connector=emu.connector()) as session:
        async with session.ws_connect(url) as ws:
            stream = frames(ws, zlib.decompressobj())
            assert (await anext(stream))["op"] == 10
            await ws.send_json(
                {"op": 2, "d": {"token": emu.bot_token, "intents": 513, "properties": {}}}
            )
            ready = await anext(stream)
            assert ready["t"] == "READY"
            guild_create = await anext(stream)
            assert guild_create["t"] == "GUILD_CREATE"
            last_seq = guild_create["s"]
        await emu.wait_for(lambda: not emu.gateway.connected)
        await emu.send_message("sent while the bot was away")
        resume = {"token": emu.bot_token, "session_id": ready["d"]["session_id"], "seq": last_seq}
        async with session.ws_connect(url) as ws:
            stream = frames(ws, zlib.decompressobj())
            assert (await anext(stream))["op"] == 10
            await ws.send_json({"op": 6, "d": resume})
            replayed = await anext(stream)
            assert replayed["t"] == "MESSAGE_CREATE" and replayed["s"] == last_seq + 1
            assert (await anext(stream))["t"] == "RESUMED"


@pytest.mark.asyncio
async def test_rest_basics_unknown_routes_and_delay(emu: DiscordEmulator) -> None:
    auth = {"Authorization": f"Bot {emu.bot_token}"}
    api = "https://discord.com/api/v10"
    emu.faults.delay(0.2, route=r"^GET /users/@me$", count=1)
    async with aiohttp.ClientSession(connector=emu.connector()) as session:
        started = asyncio.get_running_loop().time()
        async with session.get(f"{api}/users/@me", headers=auth) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "application/json"  # exact, no charset
            assert (await resp.json())["id"] == str(emu.bot_user.id)
        assert asyncio.get_running_loop().time() - started >= 0.2
        async with session.get(f"{api}/users/@me") as resp:
            assert resp.status == 401
        async with session.get(f"{api}/channels/{emu.channel.id}/pins", headers=auth) as resp:
            assert resp.status == 404
            assert await resp.json() == {"message": "404: Not Found", "code": 0}
    assert [r.key for r in emu.unknown_routes] == [f"GET /channels/{emu.channel.id}/pins"]
    assert emu.problems() == [f"unknown route: GET /channels/{emu.channel.id}/pins"]


@pytest.mark.asyncio
async def test_wrong_token_fails_login(emu: DiscordEmulator) -> None:
    client = discord.Client(intents=discord.Intents.default(), connector=emu.connector())
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
    finally:
        await client.close()
    assert emu.requests[-1].status == 401
    assert emu.requests[-1].response == {"message": "401: Unauthorized", "code": 0}


@pytest.mark.asyncio
async def test_privileged_intents_must_be_enabled(emu: DiscordEmulator) -> None:
    intents = discord.Intents.default()
    intents.message_content = True  # not enabled on the emulated developer portal
    client = discord.Client(intents=intents, connector=emu.connector())
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with run_client(emu, client):
            pass
    assert emu.gateway.count("disallowed_intents") == 1


@pytest.mark.asyncio
async def test_threads_started_from_messages(
    emu: DiscordEmulator, bot: commands.Bot, seen: list[str]
) -> None:
    asked = await emu.send_message("a question worth a thread")
    channel = bot.get_channel(emu.channel.id)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.fetch_message(asked.id)
    created = asyncio.create_task(bot.wait_for("thread_create", timeout=5))
    thread = await message.create_thread(name="a question worth a thread")
    # Discord docs: a public thread (type 11) with the message's id, announced by THREAD_CREATE.
    assert thread.id == asked.id and thread.type is discord.ChannelType.public_thread
    assert thread.parent_id == emu.channel.id and thread.owner_id == emu.bot_user.id
    announced = await created
    assert announced.id == thread.id and bot.get_guild(emu.guild.id).get_thread(thread.id)
    stored = emu.thread_of(asked)
    assert stored is not None and stored.parent_id == emu.channel.id
    assert emu.message(asked.id).data["thread"]["id"] == str(thread.id)
    # Messages in the thread reach the bot with the thread as their channel.
    await emu.send_message("a follow-up", channel=stored)
    await emu.wait_for(lambda: len(seen) == 2)
    await thread.send("an answer in the thread")
    assert [m.content for m in emu.messages if m.channel_id == thread.id] == [
        "a follow-up",
        "an answer in the thread",
    ]
    assert stored.message_count == 2
    with pytest.raises(discord.HTTPException) as info:  # one thread a message
        await message.create_thread(name="again")
    assert info.value.code == 160004
    other = await channel.fetch_message((await emu.send_message("another")).id)
    with pytest.raises(discord.HTTPException) as info:
        await other.create_thread(name="n" * 101)
    assert info.value.code == 50035
    assert emu.validation_failures[-1].errors["name"]["_errors"][0]["code"] == (
        "BASE_TYPE_BAD_LENGTH"
    )


@pytest.mark.asyncio
async def test_threads_need_their_own_permissions(emu: DiscordEmulator, bot: commands.Bot) -> None:
    channel = bot.get_channel(emu.channel.id)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.fetch_message((await emu.send_message("start here")).id)
    thread = await message.create_thread(name="start here")
    emu.guild.everyone.permissions &= ~int(Perm.CREATE_PUBLIC_THREADS)
    other = await channel.fetch_message((await emu.send_message("and here")).id)
    with pytest.raises(discord.Forbidden) as info:
        await other.create_thread(name="and here")
    assert info.value.code == 50013 and emu.thread_of(emu.message(other.id)) is None
    emu.guild.everyone.permissions &= ~int(Perm.SEND_MESSAGES_IN_THREADS)
    bot_role = next(r for r in emu.guild.roles.values() if r.bot_id == emu.bot_user.id)
    bot_role.permissions &= ~int(Perm.SEND_MESSAGES_IN_THREADS)
    with pytest.raises(discord.Forbidden) as info:
        await thread.send("not allowed")
    assert info.value.code == 50013
    await channel.send("still allowed in the channel")  # SEND_MESSAGES is untouched
