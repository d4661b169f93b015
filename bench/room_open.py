"""Benchmark: time from "Go live" to the host's room code in the studio, against a local 100ms
stand-in, and the studio's memory with the embedded video view open.

Latency: an embedded PostgreSQL (migrations, no seed) with a verified host and one scheduled show
per run; the host signed in through a LocalBackend; the local 100ms stand-in of the tests
(tests/session/hms_mock.py, which verifies every management token). Each run opens the show's
session, then times `ShowVideo.go_live` — the room opened (100ms room, room codes, and for the
host's own account `record_show_room` on the server), then the show started through the same
session state machine — until the host room code is in hand. Providers: `own` (the host's own
100ms account, as in a local workspace), `edge` (the hms-rooms edge function contract, as the
stand-in serves it) and `none` (no video: the show's start alone, the baseline).

Memory: a child process with the studio's UI modules imported and a 1280x800 window; RSS of the
process (and of Qt WebEngine's helper processes) before and after the embedded video view has
loaded a local page with a playing <video> (the real Prebuilt page needs a 100ms account and
the network). `--platform offscreen` (default) or `--platform xcb` under `xvfb-run -a`.

    python bench/room_open.py [--runs 50] [--platform offscreen|xcb]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "session"), str(ROOT / "tests" / "schema")]

import psutil  # noqa: E402

MEMORY_CHILD = "--memory-child"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


# ---------------------------------------------------------------------- latency
async def latency(conninfo: str, runs: int) -> dict[str, list[float]]:
    import factories as f
    import psycopg
    from hms_mock import HmsMock

    from studio.server.demo_accounts import DEMO_PASSWORD, DEMO_PASSWORD_BCRYPT
    from studio.session.rooms.client import HmsClient
    from studio.session.rooms.credentials import HmsCredentials
    from studio.session.rooms.providers import DirectRooms, EdgeFunctionRooms, NoVideoRooms
    from studio.session.rooms.show_video import ShowVideo
    from studio.session.show_session import ShowSession
    from studio.sync.local.backend import LocalBackend
    from studio.sync.show_server import BackendShowServer

    owner = psycopg.connect(conninfo, autocommit=True)
    with owner.cursor() as cur:
        host = f.create_influencer(cur)
        shows = {mode: [f.create_session(cur, host.profile_id, "scheduled") for _ in range(runs)]
                 for mode in ("own", "edge", "none")}
        email = cur.execute("update auth.users set encrypted_password = %s where id = %s"
                            " returning email", (DEMO_PASSWORD_BCRYPT, host.user_id)).fetchone()[0]
    backend = LocalBackend(conninfo)
    await backend.sign_in(email, DEMO_PASSWORD)
    server = BackendShowServer(backend)
    timings: dict[str, list[float]] = {}
    with HmsMock() as hms:
        token = "bench-user-token"
        hms.user_shows[token] = set(shows["edge"])

        async def headers() -> dict[str, str]:
            return {"Authorization": f"Bearer {token}", "apikey": hms.anon_key}

        creds = HmsCredentials.checked(hms.access_key, hms.secret, "tpl-bench", hms.subdomain)
        providers = {
            "own": DirectRooms(creds, server, client=HmsClient(
                creds.access_key, creds.secret, base_url=hms.base_url)),
            "edge": EdgeFunctionRooms(hms.root, headers),
            "none": NoVideoRooms(),
        }
        # Providers take turns, run by run, so a change in the machine's load hits all three.
        for run in range(runs):
            for mode, provider in providers.items():
                show_id = shows[mode][run]
                session = await ShowSession.open(server, show_id)
                video = ShowVideo(provider, server)
                started = time.perf_counter()
                await video.go_live(show_id, lambda s=session: s.go_live(False))
                code = video.room.host_code if video.room else "none"
                elapsed = time.perf_counter() - started
                assert code and session.state.value == "live"
                timings.setdefault(mode, []).append(elapsed * 1000)
        for provider in providers.values():
            await provider.aclose()
        assert hms.refused_tokens == [], hms.refused_tokens
    await backend.close()
    owner.close()
    return timings


def run_latency(runs: int) -> dict[str, list[float]]:
    from studio.server.embedded import EmbeddedPostgres
    from studio.server.migrations import MigrationRunner, schema_dir

    with tempfile.TemporaryDirectory(prefix="shopstream-bench-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "server", durable=False)
        server.start()
        try:
            server.ensure_database("bench")
            conninfo = server.dsn("bench")
            MigrationRunner(conninfo, schema_dir()).apply(seed=False)
            return asyncio.run(latency(conninfo, runs))
        finally:
            server.stop()


# ---------------------------------------------------------------------- memory (child process)
PAGE = """<!doctype html><title>video</title><body style="margin:0;background:#111">
<canvas id="c" width="1280" height="720"></canvas><video id="v" autoplay muted></video><script>
const c = document.getElementById('c'), x = c.getContext('2d');
const v = document.getElementById('v'); v.srcObject = c.captureStream(30);
let n = 0; setInterval(() => { x.fillStyle = `hsl(${n++ % 360},60%,40%)`;
x.fillRect(0, 0, 1280, 720); }, 33);
</script></body>"""


def tree_rss(process: psutil.Process) -> tuple[float, float]:
    own = process.memory_info().rss / 2**20
    helpers = 0.0
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.Error):  # a helper that just exited
            helpers += child.memory_info().rss / 2**20
    return own, helpers


def memory_child() -> int:
    from PySide6.QtCore import QEventLoop, QTimer, QUrl
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    # What the studio loads for the control room, so the baseline is the studio's, not bare Qt.
    for module in ("studio.ui.main_window", "studio.ui.screens.live.control_room"):
        importlib.import_module(module)
    from studio.ui.screens.live.video_view import make_web_view, web_engine_available

    window = QMainWindow()
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    me = psutil.Process()
    before = tree_rss(me)
    if not web_engine_available():
        print(json.dumps({"error": "Qt WebEngine is not available"}))
        return 1
    view = make_web_view(window)
    window.setCentralWidget(view)
    loop = QEventLoop()
    view.loadFinished.connect(lambda _ok: loop.quit())
    QTimer.singleShot(30_000, loop.quit)
    view.setHtml(PAGE, QUrl("https://bench.app.100ms.live/"))
    loop.exec()
    settle = QEventLoop()
    QTimer.singleShot(3000, settle.quit)  # a few seconds of frames
    settle.exec()
    after = tree_rss(me)
    print(json.dumps({"before": before, "after": after,
                      "platform": app.platformName()}), flush=True)
    view.close()
    return 0


def run_memory(platform: str) -> dict[str, Any]:
    env = dict(os.environ, QT_QPA_PLATFORM=platform)
    done = subprocess.run([sys.executable, __file__, MEMORY_CHILD], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {"error": (done.stderr or done.stdout).strip()[-400:]}


# ---------------------------------------------------------------------- main
def main() -> int:
    if MEMORY_CHILD in sys.argv:
        return memory_child()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="go-lives per provider")
    parser.add_argument("--platform", default="offscreen", choices=("offscreen", "xcb"),
                        help="Qt platform of the memory measurement (xcb: run under xvfb-run)")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    timings = run_latency(args.runs)
    print(f"Go live → host room code, {args.runs} runs each (local 100ms stand-in, embedded "
          "PostgreSQL)")
    for mode, label in (("own", "own 100ms account (REST + record_show_room)"),
                        ("edge", "edge function contract"),
                        ("none", "no video (the show's start alone)")):
        values = timings[mode]
        print(f"  {label:<45} p50 {statistics.median(values):7.1f} ms   "
              f"p95 {percentile(values, 95):7.1f} ms   max {max(values):7.1f} ms")
    if args.skip_memory:
        return 0
    memory = run_memory(args.platform)
    if "error" in memory:
        print(f"memory: not measured ({memory['error']})")
        return 1
    (own0, helpers0), (own1, helpers1) = memory["before"], memory["after"]
    print(f"Memory (RSS, Qt platform {memory['platform']}):")
    print(f"  studio process before the video view  {own0:7.0f} MB")
    print(f"  studio process with the view open     {own1:7.0f} MB  (+{own1 - own0:.0f} MB)")
    print(f"  WebEngine helper processes            {helpers1:7.0f} MB  "
          f"(before: {helpers0:.0f} MB)")
    print(f"  total with the view open              {own1 + helpers1:7.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
