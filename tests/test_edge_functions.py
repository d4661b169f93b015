"""Runs the Edge Functions' tests (`deno test`), installing the pinned Deno from npm if needed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ROOT / "backend_schema" / "supabase" / "functions"
DENO_VERSION = "2.9.6"
DENO_HOME = ROOT / "build" / "deno"
INSTALL_DIR = DENO_HOME / DENO_VERSION
# npm's messages when the registry cannot be reached (as opposed to a failing install).
_OFFLINE = re.compile(r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH"
                      r"|network request .* failed|request to .* failed")


def _installed_deno(prefix: Path) -> Path | None:
    """The Deno binary of an npm install under `prefix` (the platform package's), if any."""
    name = "deno.exe" if sys.platform == "win32" else "deno"
    for candidate in sorted(prefix.glob(f"node_modules/@deno/*/{name}")):
        if candidate.is_file():
            return candidate
    shim = prefix / "node_modules" / ".bin" / name
    return shim if shim.is_file() else None


def _install_deno() -> Path:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to install Deno for the Edge Function tests")
    DENO_HOME.mkdir(parents=True, exist_ok=True)
    # Install beside the target and move it in whole, so parallel runs never see half an install.
    staging = DENO_HOME / f".install-{uuid.uuid4().hex}"
    try:
        done = subprocess.run(
            [npm, "install", "--prefix", str(staging), "--no-audit", "--no-fund", "--no-save",
             "--fetch-retries=1", "--loglevel=error", f"deno@{DENO_VERSION}"],
            capture_output=True, text=True, timeout=300, check=False,
        )
        if done.returncode != 0:
            output = done.stdout + done.stderr
            offline = [line for line in output.splitlines() if _OFFLINE.search(line)]
            if offline:
                pytest.skip(f"the npm registry is unreachable, so Deno cannot be installed"
                            f" for the Edge Function tests ({offline[0].strip()})")
            pytest.fail(f"npm install deno@{DENO_VERSION} failed:\n{output}")
        if _installed_deno(staging) is None:
            pytest.fail(f"npm installed deno@{DENO_VERSION} without a binary for this platform")
        try:
            staging.rename(INSTALL_DIR)
        except OSError:
            if _installed_deno(INSTALL_DIR) is None:  # not another run's install: a real error
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    binary = _installed_deno(INSTALL_DIR)
    assert binary is not None
    return binary


@pytest.fixture(scope="module")
def deno() -> Path:
    return _installed_deno(INSTALL_DIR) or _install_deno()


def test_edge_functions_pass_their_deno_tests(deno: Path) -> None:
    env = {**os.environ, "DENO_DIR": str(DENO_HOME / "cache"), "NO_COLOR": "1",
           "DENO_NO_UPDATE_CHECK": "1"}
    done = subprocess.run(
        [str(deno), "test", "--allow-net=127.0.0.1", "--allow-env", "--allow-read=."],
        cwd=FUNCTIONS, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    summary = re.search(r"^ok \| (\d+) passed \| 0 failed", output, re.MULTILINE)
    assert summary and int(summary.group(1)) > 0, output
    # Every test module ran (a module that fails to load would not be listed).
    modules = {p.name for p in (FUNCTIONS / "_tests").glob("*_test.ts")}
    ran = set(re.findall(r"^running \d+ tests? from \./_tests/(\S+_test\.ts)$", output,
                         re.MULTILINE))
    assert modules and ran == modules, output


def test_every_function_is_configured_for_the_supabase_cli() -> None:
    """Each function directory has its config.toml entry; only the webhook skips the JWT."""
    config = tomllib.loads((FUNCTIONS.parent / "config.toml").read_text())
    functions = {p.parent.name for p in FUNCTIONS.glob("*/index.ts")
                 if not p.parent.name.startswith("_")}
    assert functions == {"hms-rooms", "hms-webhook"}
    assert {name: entry["verify_jwt"] for name, entry in config["functions"].items()} == {
        "hms-rooms": True, "hms-webhook": False}
