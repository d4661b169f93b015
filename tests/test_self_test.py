"""`shopstream-studio --self-test`: every check passes here; a failing check names itself and
makes the exit code non-zero; a missing keyring is a warning, not a failure."""

from __future__ import annotations

import io
import sys
import textwrap
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from studio import cli, selftest


def _lines(text: str) -> dict[str, str]:
    """check name -> status, from the self-test's output."""
    found = {}
    for line in text.splitlines():
        status, _, rest = line.partition(" ")
        if status in ("ok", "warning", "FAILED"):
            found[rest.strip().split(":", 1)[0]] = status
    return found


def test_every_check_runs_and_the_installation_passes() -> None:
    out = io.StringIO()
    code = selftest.run_self_test(out)
    text = out.getvalue()
    statuses = _lines(text)
    assert code == 0, text
    assert set(statuses) == {name for name, _ in selftest.CHECKS}
    assert "FAILED" not in statuses.values()
    assert {statuses[name] for name in ("modules", "qt", "cache", "schema files",
                                        "local server", "tls")} == {"ok"}
    assert "migrations applied" in text
    assert text.rstrip().splitlines()[-1].startswith("self-test passed")


def test_a_failing_check_makes_the_exit_code_non_zero_and_is_named() -> None:
    def broken(_scratch: Path) -> str:
        raise RuntimeError("the bundled server binaries are missing\nsecond line")

    out = io.StringIO()
    code = selftest.run_self_test(out, [("alpha", lambda _s: "fine"), ("server", broken)])
    text = out.getvalue()
    assert code == 1
    assert _lines(text) == {"alpha": "ok", "server": "FAILED"}
    assert "RuntimeError: the bundled server binaries are missing" in text
    assert "second line" not in text  # one line per check
    assert text.rstrip().splitlines()[-1] == "self-test failed: server"


def test_the_command_line_flag_runs_the_checks_and_returns_their_verdict(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def refuses(_scratch: Path) -> str:
        raise OSError("no TLS")

    monkeypatch.setattr(selftest, "CHECKS", [("tls", refuses)])
    assert cli.main(["--self-test"]) == 1
    out = capsys.readouterr().out
    assert "FAILED  tls: OSError: no TLS" in out
    assert "self-test failed: tls" in out


def test_no_keyring_backend_is_a_warning_and_the_self_test_still_passes() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        out = io.StringIO()
        code = selftest.run_self_test(out, [("keyring", selftest.check_keyring)])
    finally:
        keyring.set_keyring(previous)
    text = out.getvalue()
    assert code == 0
    assert _lines(text) == {"keyring": "warning"}
    assert "no keyring backend" in text
    assert "self-test passed (warnings: keyring)" in text


def test_a_module_that_does_not_import_is_reported_by_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "selftest_probe_pkg"
    (package / "inner").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "good.py").write_text("VALUE = 1\n")
    (package / "inner" / "__init__.py").write_text("")
    (package / "inner" / "bad.py").write_text(textwrap.dedent("""
        import selftest_probe_missing_dependency
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        count, failures = selftest.import_all("selftest_probe_pkg")
    finally:
        for name in [n for n in sys.modules if n.startswith("selftest_probe_pkg")]:
            del sys.modules[name]
    assert count == 3  # the package, good and inner
    assert failures == ["selftest_probe_pkg.inner.bad: "
                        "No module named 'selftest_probe_missing_dependency'"]


def test_missing_schema_files_fail_the_schema_check_with_the_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPSTREAM_SCHEMA_DIR", str(tmp_path))
    result = selftest.run_check("schema files", selftest.check_schema_files, tmp_path)
    assert result.status == "FAILED"
    assert str(tmp_path / "migrations") in result.detail


def test_the_web_view_check_accepts_qt_webengine_being_absent(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec

    def without_webengine(name: str, *args: object) -> object:
        return None if name.startswith("PySide6.QtWebEngine") else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", without_webengine)
    result = selftest.run_check("web view", selftest.check_web_view, tmp_path)
    assert result.status == "ok"
    assert "system browser" in result.detail


def test_the_self_test_flag_with_a_command_is_refused_and_runs_nothing(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    ran = []
    monkeypatch.setattr(selftest, "CHECKS", [("probe", lambda _s: ran.append(1) or "ran")])
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--self-test", "local-server", "status"])
    assert exit_info.value.code == 2
    assert "--self-test runs on its own, not with 'local-server'" in capsys.readouterr().err
    assert ran == []
