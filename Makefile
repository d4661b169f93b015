# ShopStream Studio developer commands.
#   make run    create .venv if needed, install, start the app
#   make test   install, then ruff, import contracts and pytest
#   make dist   the frozen app (PyInstaller) and the Linux packages in dist/

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean install dist

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project definition changes.
$(STAMP): pyproject.toml hatch_build.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/shopstream-studio

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Qt tests render offscreen: no display is needed.
test: export QT_QPA_PLATFORM := offscreen
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest

bench: $(STAMP)
	@if [ -f bench/run_all.py ]; then $(BIN)/python bench/run_all.py; \
	else echo "bench/run_all.py does not exist yet; nothing to run"; fi

# Linux installers: the one-folder app (PyInstaller, in build/), then dist/*.tar.gz, dist/*.deb
# and the AppDir (an .AppImage too when appimagetool is on PATH). See packaging/README.md.
dist: $(STAMP)
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath build/pyinstaller \
		--workpath build/pyinstaller-work packaging/shopstream-studio.spec
	$(BIN)/python packaging/linux/build_packages.py --bundle build/pyinstaller/shopstream-studio \
		--out dist --appimage

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .hypothesis .import_linter_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
