"""Runs the Edge Functions' tests (`deno test`), installing the pinned Deno from npm if needed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from edge_postgrest import Keys, serving

from studio.server import db

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


def _deno_env() -> dict[str, str]:
    return {**os.environ, "DENO_DIR": str(DENO_HOME / "cache"), "NO_COLOR": "1",
            "DENO_NO_UPDATE_CHECK": "1"}


def test_edge_functions_type_check_and_lint(deno: Path) -> None:
    """The entry points the Supabase CLI deploys compile; the code passes `deno lint`."""
    entry_points = sorted(str(p.relative_to(FUNCTIONS)) for p in FUNCTIONS.glob("*/index.ts"))
    assert entry_points == ["hms-rooms/index.ts", "hms-webhook/index.ts"]
    for args in (["check", *entry_points], ["lint"]):
        done = subprocess.run([str(deno), *args], cwd=FUNCTIONS, env=_deno_env(),
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


def test_edge_functions_pass_their_deno_tests(deno: Path) -> None:
    env = _deno_env()
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


def test_edge_functions_on_the_real_schema(deno: Path, fresh_db: Callable[..., str]) -> None:
    """hms-rooms and hms-webhook against a migrated database served as PostgREST would."""
    conninfo = fresh_db()
    keys = Keys()
    with db.connect(conninfo, autocommit=True) as conn:
        users = {name: str(uuid.uuid4()) for name in ("host", "stranger", "viewer")}
        for name, user_id in users.items():
            conn.execute("insert into auth.users (instance_id, id, aud, role, email)"
                         " values ('00000000-0000-0000-0000-000000000000', %s,"
                         " 'authenticated', 'authenticated', %s)",
                         (user_id, f"{name}-{user_id[:8]}@example.test"))
        for name in ("host", "stranger"):
            conn.execute("insert into public.influencers (user_id, display_name, handle,"
                         " verification_status) values (%s, %s, %s, 'verified')",
                         (users[name], f"E2E {name}", f"e2e_{name}_{users[name][:6]}"))
        show = conn.execute(
            "insert into public.live_stream_sessions (influencer_id, title, status,"
            " scheduled_start, actual_start) select i.id, 'E2E show', 'live',"
            " now() - interval '10 minutes', now() - interval '5 minutes'"
            " from public.influencers i where i.user_id = %s returning id::text",
            (users["host"],)).fetchone()[0]

        with serving(conninfo, keys) as url:
            env = {**_deno_env(),
                   "SHOPSTREAM_E2E": json.dumps({
                       "url": url, "anon_key": keys.anon, "service_key": keys.service,
                       "jwt_secret": keys.jwt_secret, "show": show, **users})}
            done = subprocess.run(
                [str(deno), "test", "--allow-net=127.0.0.1", "--allow-env", "--allow-read=.",
                 "_tests/schema_e2e_test.ts"],
                cwd=FUNCTIONS, env=env, capture_output=True, text=True, timeout=300,
                check=False)
        output = done.stdout + done.stderr
        assert done.returncode == 0, output
        assert re.search(r"^ok \| 1 passed \| 0 failed", output, re.MULTILINE), output

        # What the functions left in the database: two visits, both closed, the room cleared.
        visits = conn.execute(
            "select hms_peer_id, user_id::text, left_at is not null from"
            " public.live_stream_viewers where session_id = %s order by hms_peer_id",
            (show,)).fetchall()
        assert visits == [("7d3c2b1a-0f9e-4d8c-b7a6-5e4d3c2b1a01", users["viewer"], True),
                          ("second-peer", None, True)]
        assert conn.execute(
            "select current_viewers, unique_viewers, hms_room_id, hms_host_room_code,"
            " hms_viewer_room_code from public.live_stream_sessions where id = %s",
            (show,)).fetchone() == (0, 2, None, None, None)
        assert conn.execute("select count(*), bool_and(closed_at is not null)"
                            " from private.show_rooms where session_id = %s",
                            (show,)).fetchone() == (1, True)
