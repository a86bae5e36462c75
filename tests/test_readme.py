"""The README stays true: every `bizstim-migrate …` command it shows parses
(the command and each option exist, values are accepted), and the quick
start is the set-up CI runs. The commands themselves run in the story tests
(demo, load, verify, rollback, report)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import typer.main

from bizstim_migrate.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
PLACEHOLDERS = {"RUN_ID": "20260101T000000-freshsales-full-abcd", "<destination>": "freshsales",
                "…": "freshsales", "DIR": "/tmp/somewhere"}


def documented_commands() -> list[str]:
    found = set()
    for match in re.finditer(r"`(bizstim-migrate [^`]+)`", README):
        found.add(match.group(1))
    for block in re.findall(r"```bash\n(.*?)```", README, re.S):
        for line in block.splitlines():
            line = line.split("#")[0].strip()
            if line.startswith("bizstim-migrate "):
                found.add(line)
    return sorted(found)


def test_the_readme_shows_the_workflow():
    commands = " ".join(documented_commands())
    for verb in ("demo", "scope", "extract", "transform", "preflight", "load", "verify",
                 "rollback", "report", "sandbox up", "sandbox admin"):
        assert f"bizstim-migrate {verb}" in commands, verb


@pytest.mark.parametrize("command", documented_commands())
def test_each_documented_command_parses(command):
    for placeholder, value in PLACEHOLDERS.items():
        command = command.replace(placeholder, value)
    args = shlex.split(command)[1:]
    group = typer.main.get_command(app)
    context = group.make_context("bizstim-migrate", list(args), resilient_parsing=False)
    with context:
        while isinstance(group, click.Group):
            name, sub, rest = group.resolve_command(context, context.protected_args + context.args)
            context = sub.make_context(name, rest, parent=context)
            group = sub


def test_the_quick_start_is_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text()
    quick = re.search(r"## Quick start\n+```bash\n(.*?)```", README, re.S).group(1)
    setup = quick.splitlines()[0].split("#")[0].strip()
    assert setup in ci and "\npytest" in ci
    assert "bizstim-migrate demo" in quick
