"""Settings: every problem named at once; .env.example and settings.py agree; secrets stay out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from dotenv import dotenv_values

import bot.__main__ as start_up
from bot.settings import SETTINGS, Settings, SettingsError, load_settings

DEFAULTS = {"default_db": Path("/tmp/x.sqlite3"), "default_sources": (Path("data"),)}


def test_minimal_settings() -> None:
    s = load_settings({"DISCORD_TOKEN": "abc.def.ghi"}, env_file=None, **DEFAULTS)
    assert s.token == "abc.def.ghi"
    assert s.rate_limit_questions == 5 and s.rate_limit_seconds == 30
    assert s.sources == (Path("data"),)
    assert "abc.def.ghi" not in repr(s)


def test_all_problems_are_named_at_once() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(
            {"ADMIN_USER_IDS": "12,abc", "RATE_LIMIT_QUESTIONS": "many", "DEV_GUILD_ID": "x"},
            env_file=None,
            **DEFAULTS,
        )
    message = str(info.value)
    for name in ("DISCORD_TOKEN", "ADMIN_USER_IDS", "RATE_LIMIT_QUESTIONS", "DEV_GUILD_ID"):
        assert name in message


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("DISCORD_TOKEN=from.the.file\nADMIN_ROLE_IDS=5,6\n")
    s = load_settings({"DISCORD_TOKEN": "from.the.env"}, env_file=env, **DEFAULTS)
    assert s.token == "from.the.env" and s.admin_role_ids == {5, 6}


def test_malformed_token_is_refused_without_echoing_it() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"DISCORD_TOKEN": "Bot secret-value"}, env_file=None, **DEFAULTS)
    assert "secret-value" not in str(info.value)


@pytest.mark.parametrize("token", ["abc", "secret-value", "a.b", "a.b.c.d", "a.b c.d", '"a.b.c"'])
def test_a_token_not_in_three_dotted_parts_is_refused(token: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"DISCORD_TOKEN": token}, env_file=None, **DEFAULTS)
    message = str(info.value)
    assert message.startswith("DISCORD_TOKEN does not look like a bot token")
    assert token not in message


def test_run_stops_on_a_malformed_token_like_on_a_missing_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def serve(settings: Settings) -> int:
        raise AssertionError("started with a malformed token")

    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(start_up, "serve", serve)
    for token, says in [("", "is not set"), ("abc-secret", "does not look like a bot token")]:
        monkeypatch.setenv("DISCORD_TOKEN", token)
        assert start_up.main(env_file=None) == start_up.EXIT_CONFIG
        (line,) = capsys.readouterr().err.splitlines()
        assert line.startswith("archive-bot: configuration error: DISCORD_TOKEN " + says)
        assert not token or token not in line


def test_env_example_lists_exactly_the_settings() -> None:
    text = Path(".env.example").read_text()
    listed = re.findall(r"^(?:# )?([A-Z_]+)=", text, re.MULTILINE)
    assert sorted(listed) == sorted(SETTINGS)
    for name in SETTINGS:  # each has a comment right above it
        assert re.search(rf"^# .+\n(?:# .+\n)*(?:# )?{name}=", text, re.MULTILINE), name


def test_the_example_copied_as_it_is_sets_only_the_token() -> None:
    # Under systemd (EnvironmentFile=) and compose (env_file:) a line left in, even empty, would
    # replace what the unit or the image sets: its database path, JSON logs, the health file.
    assert list(dotenv_values(".env.example")) == ["DISCORD_TOKEN"]


def test_settings_module_reads_every_listed_setting() -> None:
    source = Path("bot/settings.py").read_text()
    for name in SETTINGS:
        assert source.count(f'"{name}"') >= 2, name  # listed and read


def test_answer_channels_are_read_and_bad_ids_say_how_to_copy_one() -> None:
    s = load_settings(
        {"DISCORD_TOKEN": "a.b.c", "ANSWER_CHANNEL_IDS": " 123456789012345678, 42 ,"},
        env_file=None,
        **DEFAULTS,
    )
    assert s.answer_channel_ids == {123456789012345678, 42}
    assert load_settings(
        {"DISCORD_TOKEN": "a.b.c"}, env_file=None, **DEFAULTS
    ).answer_channel_ids == (frozenset())
    with pytest.raises(SettingsError) as info:
        load_settings(
            {"DISCORD_TOKEN": "a.b.c", "ANSWER_CHANNEL_IDS": "123,#ask-the-archive"},
            env_file=None,
            **DEFAULTS,
        )
    assert str(info.value) == (
        "ANSWER_CHANNEL_IDS must be numeric Discord ids separated by commas (got "
        "'#ask-the-archive'): in Discord turn on User Settings -> Advanced -> Developer Mode, "
        "then right-click the channel -> Copy Channel ID"
    )


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"DISCORD_TOKEN=a.b.c\nADMIN_USER_IDS=1 # caf\xe9\n", "is not UTF-8 text (byte 42)"),
        (b"DISCORD_TOKEN=a.b.c\n\nADMIN_USER_IDS: 123\n", "line 3: not a NAME=value line"),
        (
            b"DISCORD_TOKEN=a.b.c\nRATE_LIMIT_SECONDS=nan\n",
            "RATE_LIMIT_SECONDS must be a finite number",
        ),
        (
            b"DISCORD_TOKEN=a.b.c\nANSWER_EXPIRY_HOURS=inf\n",
            "ANSWER_EXPIRY_HOURS must be a finite number",
        ),
        (b"DISCORD_TOKEN=a.b.c\nDEV_GUILD_ID=\xc2\xb2\n", "DEV_GUILD_ID must be a numeric"),
        (b"DISCORD_TOKEN=a.b.c\nADMIN_USER_IDS=12,\xc2\xb34\n", "ADMIN_USER_IDS must be numeric"),
        (b"DISCORD_TOKEN=a.b.c\nARCHIVE_SOURCES=,\n", "ARCHIVE_SOURCES names no path"),
        (b"DISCORD_TOKEN=a.b.c\nHEALTH_FILE=/no/such/folder/alive\n", "no folder /no/such/folder"),
        (b"DISCORD_TOKEN=a.b.c\nHEALTH_FILE=/tmp\n", "HEALTH_FILE: /tmp is a folder"),
        (b"DISCORD_TOKEN=a.b.c\nADMIN_USER_IDS=" + b"1" * 26 + b"\n", "ADMIN_USER_IDS must be"),
        (b"DISCORD_TOKEN=a.b.c\n#" + b"x" * 70_000 + b"\n", "is over 64 KB: not a settings file"),
    ],
)
def test_a_settings_file_that_cannot_be_used_is_one_line_each(
    tmp_path: Path, content: bytes, says: str
) -> None:
    env = tmp_path / ".env"
    env.write_bytes(content)
    with pytest.raises(SettingsError, match=re.escape(says)):
        load_settings({}, env_file=env, **DEFAULTS)


def test_a_utf16_settings_file_is_read_and_a_folder_is_no_settings_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("DISCORD_TOKEN=a.b.c\nADMIN_USER_IDS=7\n", encoding="utf-16")  # Notepad's
    assert load_settings({}, env_file=env, **DEFAULTS).admin_user_ids == {7}
    with pytest.raises(SettingsError, match="is a folder, not a settings file"):
        load_settings({"DISCORD_TOKEN": "a.b.c"}, env_file=tmp_path, **DEFAULTS)


def test_a_token_with_a_line_break_inside_is_refused() -> None:
    with pytest.raises(SettingsError, match="does not look like a bot token"):
        load_settings({"DISCORD_TOKEN": "abc.def\n.ghi"}, env_file=None, **DEFAULTS)
