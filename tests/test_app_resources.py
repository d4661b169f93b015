"""The app icon shipped in studio/resources: PNG renders at every hicolor size, the SVG, and the
Windows .ico and macOS .icns the installers use."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET

import pytest

from studio.resources import ICON_SIZES, ICONS, icon_png, icon_svg


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_every_png_render_has_its_size() -> None:
    assert ICON_SIZES[0] == 16 and ICON_SIZES[-1] == 512
    for size in ICON_SIZES:
        assert _png_size(icon_png(size).read_bytes()) == (size, size)


def test_the_svg_is_a_square_512_pixel_drawing() -> None:
    root = ET.parse(icon_svg()).getroot()
    assert root.tag.endswith("svg")
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == (
        "512", "512", "0 0 512 512")


def test_the_ico_holds_png_images_up_to_256() -> None:
    data = (ICONS / "shopstream-studio.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = []
    for index in range(count):
        width, _h, _c, _r, _p, _b, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * index: 22 + 16 * index])
        image = data[offset: offset + length]
        sizes.append(_png_size(image)[0])
        assert (width or 256) == sizes[-1]
    assert sizes == [16, 24, 32, 48, 64, 128, 256]


def test_the_icns_holds_png_images_up_to_512() -> None:
    data = (ICONS / "shopstream-studio.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    position, found = 8, {}
    while position < len(data):
        kind, length = data[position: position + 4], struct.unpack(
            ">I", data[position + 4: position + 8])[0]
        found[kind] = _png_size(data[position + 8: position + length])[0]
        position += length
    assert found == {b"icp4": 16, b"icp5": 32, b"icp6": 64, b"ic07": 128, b"ic08": 256,
                     b"ic09": 512}


def test_an_icon_size_that_is_not_rendered_is_refused() -> None:
    with pytest.raises(ValueError, match="no 100 px icon; sizes: 16, 22"):
        icon_png(100)
