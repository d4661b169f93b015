"""Linux packages from the PyInstaller one-folder app: a .tar.gz, a .deb and an AppImage.

The AppImage's AppDir is always built; the .AppImage itself when appimagetool is on PATH.

    python packaging/linux/build_packages.py --bundle build/pyinstaller/dist/shopstream-studio \
        --out dist [--appimage]

The .deb installs the app under /opt/shopstream-studio, a /usr/bin/shopstream-studio link, the
desktop entry and the icon in the hicolor theme (16–512 px and scalable).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))
from version import app_version  # noqa: E402

NAME = "shopstream-studio"
INSTALL_DIR = f"/opt/{NAME}"
ICONS = ROOT / "studio" / "resources" / "icons"
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
DESKTOP_FILE = HERE / f"{NAME}.desktop"
MAINTAINER = "ShopStream <support@shopstream.app>"
# What Qt's xcb platform plugin and OpenGL need from the system (the bundle carries the rest).
DEB_DEPENDS = [
    "libegl1", "libgl1", "libfontconfig1", "libfreetype6", "libdbus-1-3", "libx11-6",
    "libx11-xcb1", "libxkbcommon0", "libxkbcommon-x11-0", "libxcb-cursor0", "libxcb-icccm4",
    "libxcb-image0", "libxcb-keysyms1", "libxcb-randr0", "libxcb-render-util0",
    "libxcb-shape0", "libxcb-xinerama0", "libxcb-xkb1",
]
DEB_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}


def check_bundle(bundle: Path) -> Path:
    """The bundle's executable; a clear error when `bundle` is not a one-folder app."""
    program = bundle / NAME
    if not bundle.is_dir() or not program.is_file() or not os.access(program, os.X_OK):
        raise SystemExit(f"error: {bundle} is not the one-folder app (no executable {NAME} in it);"
                         " build it first: pyinstaller packaging/shopstream-studio.spec")
    return program


def add_desktop_integration(root: Path, prefix: str = "usr/share") -> None:
    """The desktop entry and hicolor icons under `root/prefix`."""
    share = root / prefix
    (share / "applications").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DESKTOP_FILE, share / "applications" / f"{NAME}.desktop")
    for size in ICON_SIZES:
        target = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ICONS / f"{NAME}-{size}.png", target / f"{NAME}.png")
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ICONS / f"{NAME}.svg", scalable / f"{NAME}.svg")


def _normalise_modes(root: Path) -> None:
    """Everyone may read the files and enter the directories (installed as root)."""
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            path = Path(dirpath) / name
            if not path.is_symlink():
                path.chmod(0o755)
        for name in filenames:
            path = Path(dirpath) / name
            if not path.is_symlink():
                executable = path.stat().st_mode & stat.S_IXUSR
                path.chmod(0o755 if executable else 0o644)


def build_tarball(bundle: Path, out: Path, version: str, arch: str) -> Path:
    """shopstream-studio-<version>-linux-<arch>.tar.gz: the app folder, desktop entry, icons."""
    top = f"{NAME}-{version}"
    target = out / f"{top}-linux-{arch}.tar.gz"
    with tempfile.TemporaryDirectory(prefix="shopstream-tar-") as staging:
        extra = Path(staging)
        add_desktop_integration(extra, "share")
        with tarfile.open(target, "w:gz", compresslevel=6) as tar:
            tar.add(bundle, arcname=top)
            tar.add(extra / "share", arcname=f"{top}/share")
    return target


def build_deb(bundle: Path, out: Path, version: str, arch: str, *, level: int = 9) -> Path:
    """shopstream-studio_<version>_<arch>.deb built with dpkg-deb (gzip at `level`)."""
    deb_arch = DEB_ARCH.get(arch, arch)
    target = out / f"{NAME}_{version}_{deb_arch}.deb"
    with tempfile.TemporaryDirectory(prefix="shopstream-deb-") as staging:
        root = Path(staging) / "root"
        shutil.copytree(bundle, root / INSTALL_DIR.lstrip("/"), symlinks=True)
        (root / "usr" / "bin").mkdir(parents=True)
        (root / "usr" / "bin" / NAME).symlink_to(f"{INSTALL_DIR}/{NAME}")
        add_desktop_integration(root)
        _normalise_modes(root)
        installed_kib = sum(p.lstat().st_size for p in root.rglob("*")) // 1024
        libc = platform.libc_ver()[1] or "2.31"
        control = root / "DEBIAN" / "control"
        control.parent.mkdir(mode=0o755)
        control.write_text("\n".join([
            f"Package: {NAME}",
            f"Version: {version}",
            f"Architecture: {deb_arch}",
            f"Maintainer: {MAINTAINER}",
            f"Installed-Size: {installed_kib}",
            f"Depends: libc6 (>= {libc}), {', '.join(DEB_DEPENDS)}",
            "Section: misc",
            "Priority: optional",
            "Homepage: https://shopstream.app",
            "Description: ShopStream Studio, the desktop studio for live-selling hosts",
            " Build show lineups from the wholesale catalog, run live shows with flash",
            " sales, chat moderation and live sales figures, and rehearse against a",
            " simulated audience on a built-in local PostgreSQL server.",
            "",
        ]))
        subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", f"-z{level}", "--build",
                        str(root), str(target)], check=True, stdout=subprocess.DEVNULL)
    return target


def build_appimage(bundle: Path, out: Path, version: str, arch: str) -> Path:
    """The AppDir (always) and, when appimagetool is on PATH, the .AppImage; returns either."""
    appdir = out / f"{NAME}.AppDir"
    if appdir.exists():
        shutil.rmtree(appdir)
    shutil.copytree(bundle, appdir / "usr" / "lib" / NAME, symlinks=True)
    add_desktop_integration(appdir)
    shutil.copyfile(DESKTOP_FILE, appdir / f"{NAME}.desktop")
    shutil.copyfile(ICONS / f"{NAME}-256.png", appdir / f"{NAME}.png")
    (appdir / ".DirIcon").symlink_to(f"{NAME}.png")
    apprun = appdir / "AppRun"
    apprun.write_text('#!/bin/sh\nHERE="$(dirname "$(readlink -f "$0")")"\n'
                      f'exec "$HERE/usr/lib/{NAME}/{NAME}" "$@"\n')
    apprun.chmod(0o755)
    tool = shutil.which("appimagetool")
    if tool is None:
        print(f"appimagetool is not on PATH: built {appdir} only (see packaging/README.md)")
        return appdir
    target = out / f"ShopStream_Studio-{version}-{arch}.AppImage"
    subprocess.run([tool, str(appdir), str(target)], check=True,
                   env={**os.environ, "ARCH": arch, "VERSION": version})
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Linux packages of the frozen app.")
    parser.add_argument("--bundle", type=Path, required=True, help="the one-folder app")
    parser.add_argument("--out", type=Path, required=True, help="where packages go")
    parser.add_argument("--version", default=None, help="default: studio/__init__.py")
    parser.add_argument("--no-tarball", action="store_true")
    parser.add_argument("--no-deb", action="store_true")
    parser.add_argument("--appimage", action="store_true", help="also the AppDir / AppImage")
    parser.add_argument("--fast", action="store_true",
                        help="compress the .deb lightly (same contents; for tests)")
    args = parser.parse_args(argv)
    check_bundle(args.bundle)
    version = args.version or app_version()
    arch = platform.machine()
    args.out.mkdir(parents=True, exist_ok=True)
    built = []
    if not args.no_tarball:
        built.append(build_tarball(args.bundle, args.out, version, arch))
    if not args.no_deb:
        if shutil.which("dpkg-deb") is None:
            raise SystemExit("error: dpkg-deb is not installed (apt-get install dpkg)")
        built.append(build_deb(args.bundle, args.out, version, arch,
                               level=1 if args.fast else 9))
    if args.appimage:
        built.append(build_appimage(args.bundle, args.out, version, arch))
    for path in built:
        print(f"Built {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
