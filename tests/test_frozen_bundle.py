"""The frozen app: PyInstaller builds the one-folder bundle (once per session, in a temporary
directory), its `--self-test` passes; the .deb built from it unpacks into a temporary root
(`dpkg-deb -x`) with its launcher link, desktop entry and icons, and the app passes its
`--self-test` from there.

Building takes a couple of minutes; deselect locally with `-m "not frozen_bundle"`. CI runs it:
there a missing tool fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio import __version__

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "shopstream-studio.spec"
PACKAGER = ROOT / "packaging" / "linux" / "build_packages.py"
NAME = "shopstream-studio"
BUILD_TIMEOUT_S = 1800
RUN_TIMEOUT_S = 300
MUST_PASS = ("modules", "qt", "cache", "schema files", "local server", "tls", "web view")

pytestmark = [
    pytest.mark.frozen_bundle,
    pytest.mark.skipif(sys.platform != "linux", reason="the Linux packages are built on Linux"),
]


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is not installed; CI must build the packages")
        pytest.skip(f"{tool} is not installed")


def _run(args: list[str], *, env: dict[str, str] | None = None,
         timeout: float = RUN_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env,
                          stdin=subprocess.DEVNULL, check=False)


@pytest.fixture(scope="session")
def build_root() -> Iterator[Path]:
    # Outside pytest's basetemp: as root, the embedded server's account must pass through it.
    root = Path(tempfile.mkdtemp(prefix="shopstream-bundle-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def bundle(build_root: Path) -> Path:
    """The one-folder app, built from this checkout."""
    built = _run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                  "--distpath", str(build_root / "dist"), "--workpath", str(build_root / "work"),
                  str(SPEC)], timeout=BUILD_TIMEOUT_S)
    assert built.returncode == 0, f"PyInstaller failed:\n{built.stderr[-4000:]}"
    folder = build_root / "dist" / NAME
    assert (folder / NAME).is_file()
    shutil.rmtree(build_root / "work", ignore_errors=True)
    return folder


def _self_test(program: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHOPSTREAM_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("SHOPSTREAM_SCHEMA_DIR", None)  # the bundle's own schema must be found
    return _run([str(program), "--self-test"], env=env)


def _assert_passed(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert ", frozen)" in result.stdout.splitlines()[0]
    for check in MUST_PASS:
        assert f"ok      {check}: " in result.stdout, output
    assert result.stdout.rstrip().splitlines()[-1].startswith("self-test passed")


def test_the_bundle_passes_its_self_test(bundle: Path, build_root: Path) -> None:
    version = _run([str(bundle / NAME), "--version"])
    assert version.stdout.strip() == f"{NAME} {__version__}"
    result = _self_test(bundle / NAME, build_root / "home-bundle")
    _assert_passed(result)
    assert str(bundle) in result.stdout  # the schema shipped inside the bundle was used
    assert "Qt WebEngine not included: video opens in the system browser" in result.stdout


def test_the_deb_installs_the_app_and_it_runs_from_the_unpacked_root(
        bundle: Path, build_root: Path) -> None:
    _need("dpkg-deb")
    out = build_root / "packages"
    built = _run([sys.executable, str(PACKAGER), "--bundle", str(bundle), "--out", str(out),
                  "--no-tarball", "--fast"], timeout=BUILD_TIMEOUT_S)
    assert built.returncode == 0, built.stderr
    [deb] = out.glob("*.deb")
    assert deb.name.startswith(f"{NAME}_{__version__}_")
    info = _run(["dpkg-deb", "--field", str(deb), "Package", "Version"])
    assert info.stdout.split() == ["Package:", NAME, "Version:", __version__]

    root = build_root / "root"
    unpacked = _run(["dpkg-deb", "-x", str(deb), str(root)])
    assert unpacked.returncode == 0, unpacked.stderr
    launcher = root / "usr" / "bin" / NAME
    assert os.readlink(launcher) == f"/opt/{NAME}/{NAME}"
    program = root / "opt" / NAME / NAME
    desktop = (root / "usr/share/applications" / f"{NAME}.desktop").read_text()
    assert f"Exec={NAME}\n" in desktop and f"Icon={NAME}\n" in desktop
    for size in (16, 32, 48, 64, 128, 256, 512):
        assert (root / f"usr/share/icons/hicolor/{size}x{size}/apps/{NAME}.png").is_file()
    assert (root / f"usr/share/icons/hicolor/scalable/apps/{NAME}.svg").is_file()

    result = _self_test(program, build_root / "home-deb")
    _assert_passed(result)
    assert str(root / "opt" / NAME) in result.stdout  # the unpacked copy, not the build


def test_the_packager_refuses_a_folder_that_is_not_the_app(tmp_path: Path) -> None:
    not_a_bundle = tmp_path / "empty"
    not_a_bundle.mkdir()
    out = tmp_path / "out"
    result = _run([sys.executable, str(PACKAGER), "--bundle", str(not_a_bundle),
                   "--out", str(out)])
    assert result.returncode != 0
    assert f"{not_a_bundle} is not the one-folder app" in result.stderr
    assert not out.exists()


def test_the_tarball_holds_the_app_folder_the_desktop_entry_and_icons(tmp_path: Path) -> None:
    fake = tmp_path / NAME  # the packager only needs the layout of a one-folder app
    (fake / "_internal").mkdir(parents=True)
    (fake / NAME).write_text("#!/bin/sh\n")
    (fake / NAME).chmod(0o755)
    (fake / "_internal" / "data.txt").write_text("x")
    out = tmp_path / "out"
    result = _run([sys.executable, str(PACKAGER), "--bundle", str(fake), "--out", str(out),
                   "--no-deb"])
    assert result.returncode == 0, result.stderr
    [tarball] = out.glob("*.tar.gz")
    assert tarball.name.startswith(f"{NAME}-{__version__}-linux-")
    with tarfile.open(tarball) as tar:
        members = {m.name: m for m in tar.getmembers()}
    top = f"{NAME}-{__version__}"
    assert members[f"{top}/{NAME}"].mode & 0o111
    assert f"{top}/_internal/data.txt" in members
    assert f"{top}/share/applications/{NAME}.desktop" in members
    assert f"{top}/share/icons/hicolor/256x256/apps/{NAME}.png" in members
    assert f"{top}/share/icons/hicolor/scalable/apps/{NAME}.svg" in members
