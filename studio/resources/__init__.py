"""Files the app ships besides code: the app icon as SVG and PNG renders (see packaging/)."""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent
ICONS = RESOURCES / "icons"
ICON_NAME = "shopstream-studio"
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def icon_png(size: int) -> Path:
    """The PNG render of the app icon at `size` pixels (one of ICON_SIZES)."""
    if size not in ICON_SIZES:
        raise ValueError(f"no {size} px icon; sizes: {', '.join(map(str, ICON_SIZES))}")
    return ICONS / f"{ICON_NAME}-{size}.png"


def icon_svg() -> Path:
    """The scalable app icon."""
    return ICONS / f"{ICON_NAME}.svg"
