"""The production wheel: what it holds and what it asks to install."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns(
    ".git", ".venv", "var", "build", "*.egg-info", "__pycache__", "node_modules"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    source = tmp_path_factory.mktemp("source") / "parley"
    shutil.copytree(ROOT, source, ignore=SKIP)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("parley-*.whl")
    return zipfile.ZipFile(built)


def _metadata(wheel: zipfile.ZipFile) -> Parser:
    name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    return Parser().parsestr(wheel.read(name).decode())


def test_the_emulator_is_not_in_the_production_wheel(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    assert not [n for n in names if n.startswith("bandwidth/emulator/")]
    assert "bandwidth/client/__init__.py" in names
    assert "bandwidth/client/emulator_sim.py" in names
    assert "core/__init__.py" in names


def test_runtime_dependencies_hold_no_dev_tools(wheel: zipfile.ZipFile) -> None:
    metadata = _metadata(wheel)
    runtime = [r for r in metadata.get_all("Requires-Dist") if "extra ==" not in r]
    names = {
        r.split(";")[0].split("~")[0].split(">")[0].split("=")[0].split("[")[0].strip().lower()
        for r in runtime
    }
    assert "redis" in names
    assert not names & {"werkzeug", "honcho", "pytest"}
    assert metadata["Requires-Python"] == "<3.14,>=3.11"
