"""The app version, read from studio/__init__.py (where it is defined), for build scripts."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_VERSION = re.compile(r'^__version__\s*=\s*["\']([^"\']+)["\']', re.MULTILINE)


def app_version(root: Path = ROOT) -> str:
    """`__version__` of studio/__init__.py, without importing the package."""
    text = (root / "studio" / "__init__.py").read_text(encoding="utf-8")
    match = _VERSION.search(text)
    if match is None:
        raise ValueError("studio/__init__.py defines no __version__")
    return match.group(1)


if __name__ == "__main__":
    print(app_version())
    sys.exit(0)
