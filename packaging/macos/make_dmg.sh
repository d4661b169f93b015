#!/bin/sh
# The macOS disk image: dist/ShopStream-Studio-<version>-macos-<arch>.dmg, holding the .app built
# by `pyinstaller packaging/shopstream-studio.spec` and a link to /Applications.
#
# Signing and notarisation (see packaging/README.md) happen when these are set:
#   CODESIGN_IDENTITY  "Developer ID Application: <Company> (<TEAMID>)" in the login keychain
#   NOTARY_PROFILE     a profile stored with `xcrun notarytool store-credentials`
#
#   sh packaging/macos/make_dmg.sh ["build/pyinstaller/ShopStream Studio.app"]
set -eu

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
APP="${1:-$ROOT/build/pyinstaller/ShopStream Studio.app}"
VERSION="$(python3 "$ROOT/packaging/version.py")"
ARCH="$(uname -m)"
DMG="$ROOT/dist/ShopStream-Studio-$VERSION-macos-$ARCH.dmg"
ENTITLEMENTS="$ROOT/packaging/macos/entitlements.plist"

if [ ! -x "$APP/Contents/MacOS/shopstream-studio" ]; then
    echo "error: no app at $APP; build it first: pyinstaller packaging/shopstream-studio.spec" >&2
    exit 1
fi

sign() {
    codesign --force --timestamp --options runtime --entitlements "$ENTITLEMENTS" \
        --sign "$CODESIGN_IDENTITY" "$1"
}

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    # Inside out: every Mach-O file (Python extensions, Qt, the PostgreSQL programs and their
    # modules), then the app. `codesign --deep` is not enough for notarisation.
    find "$APP/Contents" -type f \( -perm -u+x -o -name '*.so' -o -name '*.dylib' \) \
        -exec sh -c 'file -b "$1" | grep -q "Mach-O"' _ {} \; -print |
        while IFS= read -r binary; do sign "$binary"; done
    sign "$APP"
    codesign --verify --strict --verbose=2 "$APP"
fi

STAGING="$(mktemp -d)"
trap 'rm -rf "$STAGING"' EXIT
cp -R "$APP" "$STAGING/"
ln -s /Applications "$STAGING/Applications"
mkdir -p "$ROOT/dist"
rm -f "$DMG"
hdiutil create -volname "ShopStream Studio" -srcfolder "$STAGING" -fs HFS+ -format UDZO \
    -ov "$DMG"

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$DMG"
fi
if [ -n "${NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$DMG"
    xcrun stapler validate "$DMG"
fi
echo "Built $DMG"
