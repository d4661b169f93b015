"""Draws the app icon with QPainter and writes studio/resources/icons (SVG, PNGs, .ico, .icns).

Run after changing the drawing:  QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py
The outputs are committed; builds and the app only read them.
"""

from __future__ import annotations

import argparse
import os
import re
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QGuiApplication,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)
from PySide6.QtSvg import QSvgGenerator

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "studio" / "resources" / "icons"
NAME = "shopstream-studio"
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)  # the freedesktop hicolor sizes
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# .icns entry types holding PNG data, by pixel size.
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09"}


def draw(painter: QPainter, size: float) -> None:
    """The icon on a `size` square: a blue tile, a white play mark, a red "live" dot."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    gradient = QLinearGradient(QPointF(0, 0), QPointF(0, size))
    gradient.setColorAt(0.0, QColor("#3d82f0"))
    gradient.setColorAt(1.0, QColor("#1f4fb0"))
    painter.setBrush(QBrush(gradient))
    margin = size * 0.04
    tile = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    painter.drawRoundedRect(tile, size * 0.22, size * 0.22)
    play = QPainterPath()
    play.moveTo(size * 0.36, size * 0.27)
    play.lineTo(size * 0.74, size * 0.50)
    play.lineTo(size * 0.36, size * 0.73)
    play.closeSubpath()
    painter.setBrush(QColor("#ffffff"))
    painter.drawPath(play)
    dot = size * 0.19
    painter.setBrush(QColor("#ff4d4f"))
    painter.setPen(QPen(QColor("#ffffff"), max(1.0, size * 0.035)))
    painter.drawEllipse(QRectF(size * 0.70, size * 0.10, dot, dot))


def render_png(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    draw(painter, size)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("Qt could not encode a PNG")
    buffer.close()
    return bytes(data.data())


def write_svg(path: Path, size: int = 512) -> None:
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(size, size))
    generator.setViewBox(QRectF(0, 0, size, size))
    generator.setTitle("ShopStream Studio")
    generator.setDescription("ShopStream Studio app icon")
    painter = QPainter(generator)
    draw(painter, size)
    painter.end()
    # Qt writes the size in millimetres; desktops expect plain pixels.
    text = re.sub(r'width="[^"]*" height="[^"]*"', f'width="{size}" height="{size}"',
                  path.read_text(encoding="utf-8"), count=1)
    path.write_text(text, encoding="utf-8")


def ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico holding PNG images (supported since Vista)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    directory, images = b"", b""
    for size in sizes:
        data = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        images += data
        offset += len(data)
    return header + directory + images


def icns(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns holding PNG images."""
    body = b"".join(ICNS_TYPES[size] + struct.pack(">I", 8 + len(data)) + data
                    for size, data in sorted(pngs.items()))
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"default: {OUT}")
    args = parser.parse_args(argv)
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    args.out.mkdir(parents=True, exist_ok=True)
    pngs = {size: png_bytes(render_png(size)) for size in PNG_SIZES}
    for size, data in pngs.items():
        (args.out / f"{NAME}-{size}.png").write_bytes(data)
    write_svg(args.out / f"{NAME}.svg")
    (args.out / f"{NAME}.ico").write_bytes(ico({s: pngs[s] for s in ICO_SIZES}))
    (args.out / f"{NAME}.icns").write_bytes(icns({s: pngs[s] for s in ICNS_TYPES}))
    print(f"Wrote {len(pngs)} PNGs, the SVG, .ico and .icns to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
