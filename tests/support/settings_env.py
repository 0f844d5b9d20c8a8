"""Running settings in a fresh process: the environment .env.example documents, and a Python subprocess."""

from __future__ import annotations

import ast
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / ".env.example"
SETTINGS_FILE = ROOT / "config" / "settings.py"
ENV_READERS = {"env_str", "env_bool", "env_list"}  # config.env
ASSIGNMENT = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")


def parse_env_example() -> dict[str, str]:
    """``NAME=value`` lines in order; every other non-blank line must be a comment."""
    values = {}
    for number, line in enumerate(ENV_EXAMPLE.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        match = ASSIGNMENT.match(line)
        assert match, f".env.example line {number} is neither a comment nor NAME=value: {line!r}"
        assert match[1] not in values, f".env.example sets {match[1]} twice"
        values[match[1]] = match[2]
    return values


def variables_read_by_settings() -> set[str]:
    """Names passed to config.env's readers, ``os.environ.get``/``os.getenv`` or ``os.environ[...]``."""
    names = set()
    for node in ast.walk(ast.parse(SETTINGS_FILE.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args:
            func, first = node.func, node.args[0]
            reader = (isinstance(func, ast.Name) and func.id in ENV_READERS) or (
                isinstance(func, ast.Attribute) and ast.unparse(func) in {"os.environ.get", "os.getenv"}
            )
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            first, reader = node.slice, True
        else:
            continue
        if reader:
            assert isinstance(first, ast.Constant), f"settings.py reads a computed variable name: {ast.unparse(node)}"
            names.add(first.value)
    return names


def subprocess_env(values: dict[str, str]) -> dict[str, str]:
    """This process's environment minus every setting variable, plus ``values``; a blank SECRET_KEY is filled."""
    env = {k: v for k, v in os.environ.items() if k not in parse_env_example()}
    env.update(values, DJANGO_SETTINGS_MODULE="config.settings")
    if "SECRET_KEY" in env and not env["SECRET_KEY"]:
        env["SECRET_KEY"] = secrets.token_urlsafe(50)  # the operator's job; .env.example leaves it blank
    return env


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300
    )
