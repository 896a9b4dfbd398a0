"""The type checker passes: mypy, strict on retrieval/ and with its default checks on bot/ (the
settings are in pyproject.toml), run here so that ``pytest`` alone runs it."""

from __future__ import annotations

from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_type_errors() -> None:
    out, err, status = api.run(
        [
            "--config-file", str(ROOT / "pyproject.toml"),
            "--cache-dir", str(ROOT / ".mypy_cache"),
            str(ROOT / "retrieval"), str(ROOT / "bot"),
        ]
    )  # fmt: skip
    assert status == 0, out + err


def test_the_library_is_checked_strictly(tmp_path: Path) -> None:
    # An unannotated function is an error in retrieval/ and allowed in bot/.
    for package in ("retrieval", "bot"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("def loose(x):\n    return x\n")
    out, _, _ = api.run(
        [
            "--config-file", str(ROOT / "pyproject.toml"),
            "--cache-dir", str(tmp_path / "cache"),
            str(tmp_path / "retrieval"), str(tmp_path / "bot"),
        ]
    )  # fmt: skip
    assert "retrieval/__init__.py:1: error: Function is missing a type annotation" in out
    assert "bot/__init__.py" not in out
