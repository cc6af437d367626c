"""The TypeScript types `make sdk` generates (build/ts), unedited, with openapi-fetch: tests/sdk/
smoke.ts compiles with `tsc --strict` against them and, run on Node, goes through a seeker's first
interview on a real server (see smoke.ts for the steps)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from tests.conftest import PASSWORD, ROOT
from tests.servers import Server

HERE = Path(__file__).resolve().parent
NODE_MODULES = ROOT / "sdk" / "node_modules"


async def run(*command: str | Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run `command` without blocking the event loop (the server answers from another process,
    but the fixtures share the loop); its exit status and output."""
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")


async def test_typescript_client_runs_a_first_interview(
    generated: Path, live_server: Server, tmp_path: Path
) -> None:
    tsc = NODE_MODULES / ".bin" / "tsc"
    assert tsc.is_file(), "No TypeScript compiler in sdk/node_modules: run make sdk"
    assert (generated / "ts" / "rapport.d.ts").is_file(), "No TypeScript types: run make sdk"
    out = tmp_path / "smoke"
    status, output = await run(
        tsc, "--strict", "-p", HERE / "tsconfig.json", "--outDir", out, "--pretty", "false"
    )
    assert status == 0, f"tsc --strict failed:\n{output}"
    # The compiled module is ESM and imports openapi-fetch as a package: Node finds it through
    # a node_modules beside it, sdk/'s.
    (out / "package.json").write_text(json.dumps({"type": "module"}))
    (out / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    env = {**os.environ, "RAPPORT_BASE_URL": live_server.base_url, "RAPPORT_PASSWORD": PASSWORD}
    status, output = await run("node", out / "smoke.js", env=env)
    assert status == 0, f"smoke.ts failed on Node:\n{output}"
    assert output.startswith("ok: "), output
