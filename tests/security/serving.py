"""The uvicorn command lines the project ships (Makefile `run` and `serve`, the Dockerfile), as
uvicorn itself would configure a server from them."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from typing import Any

import uvicorn
from uvicorn.main import main as uvicorn_cli

from tests.conftest import ROOT

SERVING_MODES = ("make run", "make serve", "Dockerfile")
_SHELL_DEFAULT = re.compile(r"\$\{\w+:-([^}]*)\}")


def _make_command(target: str) -> str:
    make = shutil.which("make")
    assert make is not None, "make is needed to read the Makefile's commands"
    # -n prints what the target would run, with make's variables expanded, and runs nothing.
    printed = subprocess.run(
        [make, "-n", "-C", str(ROOT), target], capture_output=True, text=True, check=True
    ).stdout
    lines = printed.replace("\\\n", " ").splitlines()
    commands = [line for line in lines if " app.main:app" in line]
    assert len(commands) == 1, printed
    return commands[0]


def _dockerfile_command() -> str:
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    (cmd,) = [line.removeprefix("CMD ") for line in lines if line.startswith("CMD ")]
    script = json.loads(cmd)[-1]
    (command,) = [part for part in script.split("&&") if " app.main:app" in part]
    return command.strip().removeprefix("exec ")


def uvicorn_arguments(mode: str) -> list[str]:
    """The arguments the serving mode passes to uvicorn (shell defaults such as
    `${WEB_CONCURRENCY:-2}` taken as the shell would take them when unset)."""
    command = _dockerfile_command() if mode == "Dockerfile" else _make_command(mode.split()[1])
    words = shlex.split(_SHELL_DEFAULT.sub(r"\1", command))
    assert words[0].endswith("uvicorn"), command
    return words[1:]


def served(app: Any, mode: str) -> uvicorn.Config:
    """A loaded uvicorn configuration for `app` with the serving mode's proxy and header
    options: `loaded_app` is what uvicorn's server would call, `encoded_headers` what it adds
    to every response."""
    options = uvicorn_cli.make_context("uvicorn", uvicorn_arguments(mode)).params
    config = uvicorn.Config(
        app,
        proxy_headers=options["proxy_headers"],
        forwarded_allow_ips=options["forwarded_allow_ips"],
        server_header=options["server_header"],
        headers=[tuple(header.split(":", 1)) for header in options["headers"]],
        log_config=None,
    )
    config.load()
    return config
