"""Settings: local workspace or a Supabase project, who is signed in, theme, where files live.

The screen validates what is typed (messages next to the fields), checks a Supabase project
with one request before switching to it, and hands a WorkspaceRequest to the app's callback,
which reopens the workspace; progress and failures show here in words.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from studio.core.paths import AppPaths
from studio.core.settings import Settings, email_problem, supabase_url_problem
from studio.server.demo_accounts import DEMO_CUSTOMERS, DEMO_HOST, DEMO_PASSWORD, DEMO_WHOLESALER
from studio.ui.actions import ActionRegistry
from studio.ui.theme import THEME_CHOICES
from studio.ui.video_settings import VideoSettings

log = logging.getLogger(__name__)

DEMO_BUTTONS = (("Demo host", DEMO_HOST.email), ("Demo wholesaler", DEMO_WHOLESALER.email),
                ("Demo customer", DEMO_CUSTOMERS[0].email))


@dataclass(frozen=True)
class WorkspaceRequest:
    """What the user asked for: a workspace, optionally signing in as someone."""

    kind: str
    supabase_url: str = ""
    anon_key: str = ""
    email: str | None = None
    password: str | None = field(default=None, repr=False)


def anon_key_problem(key: str) -> str | None:
    """Why `key` cannot be given to the studio (empty, not a key, a service-role key), or None."""
    if not key.strip():
        return "Paste the project's anon (public) key from Project Settings > API"
    from studio.sync.supabase.backend import check_anon_key  # heavy import: only when asked

    try:
        check_anon_key(key)
    except ValueError as exc:
        text = str(exc)
        return text[:1].upper() + text[1:]
    return None


def project_url_problem(url: str) -> str | None:
    """Why `url` cannot be a project URL (basic form, then no path allowed), or None."""
    problem = supabase_url_problem(url)
    if problem is not None:
        return problem
    from studio.sync.supabase.project_check import project_url_problem as path_problem

    return path_problem(url)


ProjectChecker = Callable[[str, str], Awaitable[object]]


async def check_project(url: str, key: str) -> object:
    """The real check: one request to the project (see studio.sync.supabase.project_check)."""
    from studio.sync.supabase.project_check import check_project as check

    return await check(url, key)


class _FieldProblem(Exception):
    """A check failed at a field; the message is shown next to it."""

    def __init__(self, label: QLabel, message: str) -> None:
        super().__init__(message)
        self.label = label


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.hide()
    return label


def _show_error(label: QLabel, message: str | None) -> bool:
    label.setText(message or "")
    label.setVisible(bool(message))
    holder = label.parentWidget()
    if holder is not None:  # a wrapped message changes the row's height: re-measure it
        holder.updateGeometry()
    return message is None


class ResultRow(QWidget):
    """A busy bar and a line of words after an action: progress, done, or why it failed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumWidth(160)
        self.busy_bar.hide()
        self.label = QLabel()
        self.label.setObjectName("resultLabel")
        self.label.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.busy_bar)
        layout.addWidget(self.label, 1)

    def show_text(self, text: str, *, busy: bool = False, failed: bool = False) -> None:
        self.busy_bar.setVisible(busy)
        self.label.setObjectName("fieldError" if failed else "resultLabel")
        self.label.setText(text)
        self.label.style().unpolish(self.label)
        self.label.style().polish(self.label)


class SettingsScreen(QWidget):
    """The Settings page. Needs no open workspace: it is how a broken one gets fixed."""

    nav_id = "settings"
    nav_title = "Settings"

    def __init__(self, actions: ActionRegistry | None, parent: QWidget | None = None, *,
                 settings: Settings, paths: AppPaths,
                 on_apply: Callable[[WorkspaceRequest], Awaitable[object]],
                 on_sign_out: Callable[[], Awaitable[object]],
                 on_theme: Callable[[str], object],
                 check_project: ProjectChecker = check_project) -> None:
        super().__init__(parent)
        self.setObjectName("settingsScreen")
        self._on_apply, self._on_sign_out, self._on_theme = on_apply, on_sign_out, on_theme
        self.project_check = check_project
        """How a Supabase project is checked before switching to it (tests swap it)."""
        self._task: asyncio.Future[None] | None = None
        self._current_kind = settings.workspace.kind

        column = QVBoxLayout()
        title = QLabel("Settings")
        title.setObjectName("screenTitle")
        column.addWidget(title)
        column.addWidget(self._workspace_group(settings))
        column.addWidget(self._account_group())
        self.video = VideoSettings()
        column.addWidget(self.video)
        column.addWidget(self._appearance_group(settings.appearance.theme))
        column.addWidget(self._paths_group(paths))
        column.addStretch(1)
        inner = QWidget()
        inner.setLayout(column)
        inner.setMaximumWidth(760)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        holder = QWidget()
        holder_layout = QHBoxLayout(holder)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        holder_layout.addWidget(inner, 10)  # as wide as allowed, the rest stays empty
        holder_layout.addStretch(1)
        scroll.setWidget(holder)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self._on_kind_toggled()
        self.set_identity(None, frozenset())

    # ----------------------------------------------------------------- building

    def _workspace_group(self, settings: Settings) -> QGroupBox:
        box = QGroupBox("Workspace")
        self.local_radio = QRadioButton("Local workspace — on this computer, with demo data")
        self.supabase_radio = QRadioButton("Supabase project — your marketplace in the cloud")
        group = QButtonGroup(box)
        group.addButton(self.local_radio)
        group.addButton(self.supabase_radio)
        (self.supabase_radio if settings.workspace.kind == "supabase"
         else self.local_radio).setChecked(True)
        self.local_radio.toggled.connect(self._on_kind_toggled)
        self.url_edit = QLineEdit(settings.workspace.supabase_url)
        self.url_edit.setPlaceholderText("https://abcdefgh.supabase.co")
        self.url_edit.setAccessibleName("Project URL")
        self.url_error = _error_label()
        self.key_edit = QLineEdit(settings.workspace.supabase_anon_key)
        self.key_edit.setPlaceholderText("anon (public) key")
        self.key_edit.setAccessibleName("Anon key")
        self.key_error = _error_label()
        key_hint = QLabel("The anon key is public by design. Never paste the service-role key: "
                          "the studio refuses it.")
        key_hint.setObjectName("fieldHint")
        key_hint.setWordWrap(True)
        self.supabase_form = QWidget()
        form = QFormLayout(self.supabase_form)
        form.setContentsMargins(24, 0, 0, 0)
        form.addRow("Project URL", self._stacked(self.url_edit, self.url_error))
        form.addRow("Anon key", self._stacked(self.key_edit, self.key_error, key_hint))
        self.apply_button = QPushButton("Use this workspace")
        self.apply_button.setObjectName("applyWorkspace")
        self.apply_button.clicked.connect(self.apply_workspace)
        self.workspace_result = ResultRow()
        row = QHBoxLayout()
        row.addWidget(self.apply_button)
        row.addWidget(self.workspace_result, 1)
        layout = QVBoxLayout(box)
        layout.addWidget(self.local_radio)
        layout.addWidget(self.supabase_radio)
        layout.addWidget(self.supabase_form)
        layout.addLayout(row)
        return box

    def _account_group(self) -> QGroupBox:
        box = QGroupBox("Account")
        self.identity_label = QLabel()
        self.identity_label.setObjectName("identityText")
        self.identity_label.setWordWrap(True)
        self.session_notice = QLabel()
        self.session_notice.setObjectName("fieldHint")
        self.session_notice.setWordWrap(True)
        self.session_notice.hide()
        self.demo_row = QWidget()
        demo_layout = QHBoxLayout(self.demo_row)
        demo_layout.setContentsMargins(0, 0, 0, 0)
        demo_layout.addWidget(QLabel("Switch to:"))
        self.demo_buttons: dict[str, QPushButton] = {}
        for text, email in DEMO_BUTTONS:
            button = QPushButton(text)
            button.setToolTip(f"Sign in as {email}")
            button.clicked.connect(lambda _c=False, e=email: self.sign_in_as(e, DEMO_PASSWORD))
            self.demo_buttons[text] = button
            demo_layout.addWidget(button)
        demo_layout.addStretch(1)
        self.email_edit = QLineEdit()
        self.email_edit.setPlaceholderText("you@example.com")
        self.email_edit.setAccessibleName("Email")
        self.email_error = _error_label()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName("Password")
        self.password_edit.returnPressed.connect(self.sign_in)
        self.password_error = _error_label()
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setObjectName("signIn")
        self.sign_in_button.clicked.connect(self.sign_in)
        self.sign_out_button = QPushButton("Sign out")
        self.sign_out_button.setObjectName("signOut")
        self.sign_out_button.clicked.connect(self.sign_out)
        self.account_result = ResultRow()
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_in_button)
        buttons.addWidget(self.sign_out_button)
        buttons.addWidget(self.account_result, 1)
        form = QFormLayout()
        form.addRow("Email", self._stacked(self.email_edit, self.email_error))
        form.addRow("Password", self._stacked(self.password_edit, self.password_error))
        layout = QVBoxLayout(box)
        layout.addWidget(self.identity_label)
        layout.addWidget(self.session_notice)
        layout.addWidget(self.demo_row)
        layout.addLayout(form)
        layout.addLayout(buttons)
        return box

    def _appearance_group(self, theme: str) -> QGroupBox:
        box = QGroupBox("Appearance")
        self.theme_combo = QComboBox()
        self.theme_combo.setAccessibleName("Theme")
        for value, label in THEME_CHOICES:
            self.theme_combo.addItem(label, value)
        self.theme_combo.setCurrentIndex(max(0, self.theme_combo.findData(theme)))
        self.theme_combo.currentIndexChanged.connect(
            lambda _i: self._on_theme(self.theme_combo.currentData()))
        form = QFormLayout(box)
        form.addRow("Theme", self.theme_combo)
        return box

    def _paths_group(self, paths: AppPaths) -> QGroupBox:
        box = QGroupBox("Data and logs")
        form = QFormLayout(box)
        self.path_labels: dict[str, QLabel] = {}
        for name, directory in (("Settings", paths.config_dir), ("Data", paths.data_dir),
                                ("Logs", paths.log_dir)):
            label = QLabel(str(directory))
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            button = QPushButton("Open folder")
            button.setToolTip(f"Open {directory} in the file manager")
            button.clicked.connect(lambda _c=False, d=directory: self.open_folder(d))
            row = QHBoxLayout()
            row.addWidget(label, 1)
            row.addWidget(button)
            self.path_labels[name] = label
            form.addRow(name, row)
        return box

    @staticmethod
    def _stacked(*widgets: QWidget) -> QWidget:
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for widget in widgets:
            layout.addWidget(widget)
        return holder

    # ----------------------------------------------------------------- state shown

    def activate(self) -> None:
        """Nothing to load: the page shows what the app told it."""

    def _on_kind_toggled(self, _checked: bool = False) -> None:
        supabase = self.supabase_radio.isChecked()
        self.supabase_form.setEnabled(supabase)
        self.supabase_form.setVisible(supabase)
        self.demo_row.setVisible(not supabase)

    def set_identity(self, email: str | None, roles: frozenset[str], *,
                     kind: str | None = None) -> None:
        """Show who is signed in to the open workspace (None: nobody)."""
        if kind is not None:
            self._current_kind = kind
        where = "Supabase project" if self._current_kind == "supabase" else "Local workspace"
        if email:
            role_text = ", ".join(sorted(roles)) or "no role"
            self.identity_label.setText(f"{where}: signed in as {email} ({role_text})")
        else:
            self.identity_label.setText(f"{where}: not signed in")
        self.sign_out_button.setVisible(self._current_kind == "supabase" and bool(email))

    def set_session_notice(self, text: str | None) -> None:
        """A line under the identity when the session is kept for this run only (no keyring)."""
        text = text if isinstance(text, str) else None
        self.session_notice.setText(text or "")
        self.session_notice.setVisible(bool(text))

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.apply_button, self.sign_in_button, self.sign_out_button,
                       self.demo_row, self.local_radio, self.supabase_radio, self.supabase_form):
            widget.setDisabled(busy)
        if not busy:
            self.supabase_form.setEnabled(self.supabase_radio.isChecked())

    # ----------------------------------------------------------------- actions

    def workspace_request(self) -> WorkspaceRequest | None:
        """The chosen workspace, or None (messages shown at the fields) when it is not valid."""
        if self.local_radio.isChecked():
            _show_error(self.url_error, None)
            _show_error(self.key_error, None)
            return WorkspaceRequest("local")
        url, key = self.url_edit.text().strip(), self.key_edit.text().strip()
        url_ok = _show_error(self.url_error, project_url_problem(url))
        key_ok = _show_error(self.key_error, anon_key_problem(key))
        if not (url_ok and key_ok):
            return None
        return WorkspaceRequest("supabase", url.rstrip("/"), key)

    def apply_workspace(self) -> asyncio.Future[None] | None:
        request = self.workspace_request()
        if request is None:
            self.workspace_result.show_text("")  # an older outcome no longer applies
            return None
        return self._run(request, "Opening the workspace…", self.workspace_result)

    def sign_in(self) -> asyncio.Future[None] | None:
        request = self.workspace_request()
        email, password = self.email_edit.text().strip(), self.password_edit.text()
        email_ok = _show_error(self.email_error, email_problem(email))
        password_ok = _show_error(self.password_error,
                                  None if password else "Enter the password")
        if request is None or not (email_ok and password_ok):
            return None
        return self.sign_in_as(email, password, request)

    def sign_in_as(self, email: str, password: str,
                   request: WorkspaceRequest | None = None) -> asyncio.Future[None] | None:
        request = request or self.workspace_request()
        if request is None:
            return None
        request = WorkspaceRequest(request.kind, request.supabase_url, request.anon_key,
                                   email, password)
        return self._run(request, f"Signing in as {email}…", self.account_result)

    def sign_out(self) -> asyncio.Future[None]:
        return self._start(self._on_sign_out(), "Signing out…", "Signed out.",
                           self.account_result)

    def _run(self, request: WorkspaceRequest, text: str, row: ResultRow) -> asyncio.Future[None]:
        self.password_edit.clear()  # never kept on screen longer than needed
        if request.kind != "supabase":
            return self._start(self._on_apply(request), text, "Done.", row)
        return self._start(self._check_then_apply(request, text, row),
                           "Checking the project…", "Done.", row)

    async def _check_then_apply(self, request: WorkspaceRequest, text: str,
                                row: ResultRow) -> None:
        """Reach the project with the key first; switch only when both are right."""
        from studio.sync.supabase.project_check import ProjectCheckFailed

        try:
            await self.project_check(request.supabase_url, request.anon_key)
        except ProjectCheckFailed as exc:
            label = self.key_error if exc.field == "key" else self.url_error
            raise _FieldProblem(label, exc.message) from None
        row.show_text(text, busy=True)
        await self._on_apply(request)

    def _start(self, work: Awaitable[object], text: str, done: str,
               row: ResultRow) -> asyncio.Future[None]:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._set_busy(True)
        for other in (self.workspace_result, self.account_result):
            other.show_text("")
        row.show_text(text, busy=True)
        self._task = asyncio.ensure_future(self._finish(work, done, row))
        return self._task

    async def _finish(self, work: Awaitable[object], done: str, row: ResultRow) -> None:
        try:
            await work
        except asyncio.CancelledError:
            self._set_busy(False)
            row.show_text("")
            raise
        except _FieldProblem as problem:
            self._set_busy(False)
            _show_error(problem.label, str(problem))
            row.show_text("Nothing was changed.", failed=True)
            return
        except Exception as exc:
            log.info("Settings change failed: %s", exc)
            self._set_busy(False)
            row.show_text(str(exc) or type(exc).__name__, failed=True)
            return
        self._set_busy(False)
        row.show_text(done)

    def open_folder(self, directory: Path) -> bool:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.workspace_result.show_text(
                f"Could not create {directory}: {exc.strerror or exc}", failed=True)
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(directory)))
