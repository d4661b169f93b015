"""Opens the workspace the settings name, reopens it on request, closes it at the end.

It owns the workspace, the ScreenContext built over it and the bridge from its sync engine; the
main window only hosts screens and shows states. The workspace modules (cache, backends, engine)
are imported in a worker thread when first needed, never on the start-up path.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from studio.core.paths import AppPaths
from studio.core.settings import Settings, save_settings
from studio.ui.main_window import MainWindow
from studio.ui.settings_screen import SettingsScreen, WorkspaceRequest
from studio.ui.status_bar import OFFLINE_SYNC_LATER

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 20.0
OPEN_WAIT_S = 60.0
KEPT_FOR_UNSAVED = "Nothing was changed: the show you are editing has unsaved changes."


class WorkspaceOpener(Protocol):
    """How workspaces open (`studio.sync.workspace.Workspace`; tests pass a fake)."""

    async def open_local(self, data_dir: Path, *, email: str | None = None,
                         password: str | None = None,
                         on_progress: Callable[..., None] | None = None) -> Any: ...

    async def open_supabase(self, data_dir: Path, url: str, anon_key: str, *,
                            session_store: Any = None) -> Any: ...


class WorkspaceError(Exception):
    """A workspace did not open, or a sign-in failed; the message is for the user."""


def failure_text(request: WorkspaceRequest, exc: BaseException) -> str:
    """One sentence for the window: what failed and the reason's first line."""
    if isinstance(exc, OSError) and exc.strerror:
        detail = f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    else:
        text = str(exc).strip()
        detail = text.splitlines()[0] if text else type(exc).__name__
    if request.email:
        what = f"Could not sign in as {request.email}"
    elif request.kind == "supabase":
        what = "Could not open the Supabase project"
    else:
        what = "Could not open the local workspace"
    if request.email:  # the reason is the server's answer; the log adds nothing
        return f"{what}: {detail.rstrip('.')}."
    return f"{what}: {detail.rstrip('.')}. The log has the details (Settings › Data and logs)."


def email_domain(email: str | None) -> str:
    """What the log may say about an address: its domain only ("@example.org")."""
    if not email or "@" not in email:
        return "no email domain"
    return "@" + email.rsplit("@", 1)[1].strip().lower()


# Connection states the log reports, grouped: a move between groups is logged once.
_CONNECTIVITY = {"online": "online", "syncing": "online", "offline": "offline",
                 "error": "error"}


def _signed_in_email(workspace: Any) -> str | None:
    if getattr(workspace, "user_id", None) is None:
        return None
    email = getattr(workspace, "email", None)
    if email:
        return str(email)
    user = getattr(getattr(workspace, "backend", None), "current_user", None)
    return getattr(user, "email", None)


def _session_store(url: str) -> Any:
    """The keyring entry for a project's session. Without a usable keyring the backend keeps
    the session in memory and says so (its `session_notice`)."""
    from studio.sync.session_store import KeyringSessionStore

    return KeyringSessionStore(url)


class WorkspaceController:
    """Opens the workspace the settings name, retries, reopens on request, closes at the end.

    It owns the workspace, the ScreenContext built over it and the bridge from its sync engine;
    the window only hosts screens and shows states.
    """

    def __init__(self, paths: AppPaths, settings: Settings, *,
                 opener: WorkspaceOpener | None = None) -> None:
        self.paths, self.settings, self._opener = paths, settings, opener
        self.workspace: Any = None
        self.ctx: Any = None
        self.bridge: Any = None
        self.task: asyncio.Future[None] | None = None
        self._openings: set[asyncio.Task[Any]] = set()
        self._generation = 0
        ws = settings.workspace
        self._request = WorkspaceRequest(ws.kind, ws.supabase_url, ws.supabase_anon_key)
        self._wanted_screen = settings.window.last_screen
        self._connectivity = ""
        self._logged_user: str | None = None

    def attach(self, window: MainWindow, settings_screen: SettingsScreen) -> None:
        self.window, self.settings_screen = window, settings_screen
        window.retry_requested.connect(self.retry)
        window.sync_now_requested.connect(self.sync_now)

    # ----------------------------------------------------------------- opening

    def open_in_background(self) -> asyncio.Future[None]:
        """Open the last requested workspace; failures end up in the banner."""
        self.window.show_opening(self._opening_text(self._request))
        self.task = asyncio.ensure_future(self._open_quietly(self._request))
        return self.task

    def retry(self) -> None:
        self.open_in_background()

    async def _open_quietly(self, request: WorkspaceRequest) -> None:
        with contextlib.suppress(WorkspaceError):  # shown in the window already
            await self.open(request)

    async def confirm_leave(self) -> bool:
        """Before the screens close (quit, sign-out, another user or workspace): unsaved show
        edits are asked about (Save / Discard / Cancel). True when closing may go on."""
        window = getattr(self, "window", None)
        screen = window.screen("shows") if window is not None else None
        confirm = getattr(screen, "confirm_leave", None)
        return await confirm() if callable(confirm) else True

    async def _require_leave(self) -> None:
        if not await self.confirm_leave():
            raise WorkspaceError(KEPT_FOR_UNSAVED)

    async def apply_request(self, request: WorkspaceRequest) -> None:
        """From Settings: sign in on the open workspace when it is the same one, else reopen.
        Unsaved show edits are asked about first; Cancel changes nothing."""
        await self._require_leave()
        same = (self.workspace is not None and request.kind == self._request.kind
                and (request.kind == "local" or (request.supabase_url, request.anon_key)
                     == (self._request.supabase_url, self._request.anon_key)))
        if same and request.email:
            await self._sign_in(self.workspace, request)
        else:
            await self.open(request)

    async def _sign_in(self, workspace: Any, request: WorkspaceRequest) -> None:
        """Switch user on an open workspace. On failure the previous user (or the signed-out
        state) comes back and WorkspaceError says why."""
        self.window.show_opening(f"Signing in as {request.email}…")
        self._detach()  # the workspace closes the current user's cache: screens go first
        try:
            await workspace.sign_in(request.email, request.password)
        except Exception as exc:
            log.warning("Sign-in (%s) failed: %s", email_domain(request.email), exc)
            self._install(request.kind, workspace, _signed_in_email(workspace))
            raise WorkspaceError(failure_text(request, exc)) from None
        self._opened(request, workspace)

    async def open(self, request: WorkspaceRequest) -> None:
        """Close the current workspace and open `request`'s; WorkspaceError when it fails."""
        task = asyncio.current_task()
        if task is not None:  # shutdown waits for every opening, wherever it started
            self._openings.add(task)
        try:
            await self._open(request)
        finally:
            self._openings.discard(task)  # type: ignore[arg-type]

    async def _open(self, request: WorkspaceRequest) -> None:
        self._generation += 1
        generation = self._generation
        where = "Supabase project" if request.kind == "supabase" else "local workspace"
        self.window.show_opening(self._opening_text(request))
        self._request = replace(request, password=None)  # Retry reopens it, minus the secret
        await self._close_current()
        try:
            opener = self._opener or await asyncio.to_thread(_workspace_class)
            if request.kind == "supabase":
                store = await asyncio.to_thread(_session_store, request.supabase_url)
                workspace = await opener.open_supabase(
                    self.paths.data_dir, request.supabase_url, request.anon_key,
                    session_store=store)
            else:
                workspace = await opener.open_local(
                    self.paths.data_dir, email=request.email or self.settings.workspace.local_email,
                    password=request.password, on_progress=self._on_open_progress)
        except Exception as exc:
            log.warning("Opening the %s failed: %s", where, exc)
            log.info("Why the %s did not open", where, exc_info=True)  # the file only
            message = failure_text(request, exc)
            if generation == self._generation:
                self.window.show_workspace_error(message)
            raise WorkspaceError(message) from None
        if generation != self._generation:  # superseded (or shutting down) meanwhile
            await self._close_workspace(workspace)
            return
        self.workspace = workspace
        if request.kind == "supabase" and request.email:
            # Opened signed out; a wrong password leaves it open, signed out.
            self._opened(replace(request, email=None, password=None), workspace)
            await self._sign_in(workspace, request)
            return
        self._opened(request, workspace)

    @staticmethod
    def _opening_text(request: WorkspaceRequest) -> str:
        if request.kind == "supabase":
            return "Connecting to the Supabase project…"
        return "Opening the local workspace…"

    def _on_open_progress(self, *args: Any) -> None:
        """Progress while the local workspace opens: words, or an object with table/done/total."""
        if len(args) == 1 and isinstance(args[0], str):
            self.window.show_opening(args[0])
        elif args and hasattr(args[0], "done"):
            item = args[0]
            total = item.total if getattr(item, "total", None) is not None else -1
            self.window.status.set_progress(str(item.table), int(item.done), int(total))

    def _opened(self, request: WorkspaceRequest, workspace: Any) -> None:
        email = _signed_in_email(workspace) or request.email
        ws = self.settings.workspace
        if request.kind == "local":
            ws = replace(ws, kind="local", local_email=email or ws.local_email)
        else:
            ws = replace(ws, kind="supabase", supabase_url=request.supabase_url,
                         supabase_anon_key=request.anon_key)
        self.update_settings(workspace=ws)
        self._install(request.kind, workspace, email)

    def _install(self, kind: str, workspace: Any, email: str | None) -> None:
        from studio.ui.context import ScreenContext
        from studio.ui.sync_bridge import SyncBridge

        window = self.window
        self._detach()
        if self.bridge is None:
            self.bridge = SyncBridge(parent=window)
            window.status.bind(self.bridge.signals)
            self.bridge.signals.status_changed.connect(self._log_connectivity)
        roles = frozenset(workspace.roles or ())
        where = "Supabase project" if kind == "supabase" else "Local workspace"
        self._log_user(workspace.user_id, email, roles, where.lower())
        if workspace.user_id is None:
            window.set_roles(frozenset())
            window.show_signed_out("Sign in to your Supabase project in Settings to see the "
                                   "catalog and your shows.")
            window.status.set_state("signed_out", 0, "Nobody is signed in")
        else:
            self.bridge.attach(workspace.engine)
            self._follow_conflicts(workspace.engine)
            self.ctx = ScreenContext(
                reader=workspace.reader, submit=workspace.submit,
                submit_batch=workspace.submit_batch, signals=self.bridge.signals,
                user_id=workspace.user_id, roles=roles,
                profile_ids=dict(workspace.profile_ids or {}), **_live_parts(kind, workspace))
            window.install_screens(self.ctx)
            catalog, shows = window.screen("catalog"), window.screen("shows")
            if hasattr(catalog, "add_to_lineup_requested") and hasattr(shows, "add_products"):
                catalog.add_to_lineup_requested.connect(shows.add_products)
                # Show where the products went (or why they could not be added).
                catalog.add_to_lineup_requested.connect(lambda _ids: window.navigate("shows"))
            live = window.screen("live")
            if hasattr(live, "running_show_found"):  # a show still live reopens its room
                live.running_show_found.connect(lambda _id: window.navigate("live"))
            rate = getattr(workspace, "host_commission_rate", None)
            if rate is not None and hasattr(shows, "set_commission_rate"):
                shows.set_commission_rate(rate, "from your host profile")
            if self._wanted_screen:
                window.navigate(self._wanted_screen)
                self._wanted_screen = ""
        who = email or "not signed in"
        role_text = f" ({', '.join(sorted(roles))})" if roles else ""
        window.status.set_identity(f"{where} — {who}{role_text}")
        status = getattr(workspace.engine, "status", None)
        if workspace.user_id is not None and hasattr(status, "state"):
            window.status.set_state(status.state, status.pending_ops, status.detail or "")
        self.settings_screen.set_identity(email if workspace.user_id else None, roles, kind=kind)
        self.settings_screen.set_session_notice(
            getattr(getattr(workspace, "backend", None), "session_notice", None))

    def _log_user(self, user_id: str | None, email: str | None, roles: frozenset[str],
                  where: str) -> None:
        """Who uses the workspace, in the log: the user id and the email's domain only."""
        if user_id == self._logged_user:
            return
        if user_id is None:
            log.info("Signed out of the %s", where)
        else:
            role_text = ", ".join(sorted(roles)) or "no role"
            log.info("Signed in: user %s (%s, %s) on the %s", user_id, email_domain(email),
                     role_text, where)
        self._logged_user = user_id
        self._connectivity = ""  # a new engine: its first state is news again

    def _log_connectivity(self, state: str, _pending: int, detail: str) -> None:
        group = _CONNECTIVITY.get(state)
        if group is None or group == self._connectivity:
            return
        if group == "offline":
            log.warning("Connection: offline%s", f" ({detail})" if detail else "")
        elif group == "error":
            log.warning("Connection: sync error%s", f" ({detail})" if detail else "")
        elif self._connectivity:  # the first "online" of a session is not a change
            log.info("Connection: back online")
        self._connectivity = group

    # ----------------------------------------------------------------- signed-in actions

    async def sign_out(self) -> None:
        if self.workspace is None:
            raise WorkspaceError("No workspace is open.")
        await self._require_leave()
        self._detach()
        try:
            await self.workspace.sign_out()
        finally:
            self._install(self._request.kind, self.workspace, _signed_in_email(self.workspace))

    def sync_now(self) -> None:
        """F5: push and pull now (the engine reports progress and problems itself). Offline,
        it says the changes wait for the connection, and tries anyway."""
        status = self.window.status
        method = getattr(getattr(self.workspace, "engine", None), "sync_now", None)
        if not callable(method):
            log.info("Sync now: no workspace open")
            status.show_notice("No workspace is open: nothing to sync")
            return
        if getattr(self.workspace, "user_id", None) is None:
            status.show_notice("Sign in to sync (Settings)")
            return
        if status.state == "offline":
            status.show_notice(OFFLINE_SYNC_LATER)
        result = method()
        if asyncio.iscoroutine(result):
            self._sync_task = asyncio.ensure_future(result)
            self._sync_task.add_done_callback(_log_failure)

    # ----------------------------------------------------------------- settings and closing

    def update_settings(self, **sections: Any) -> None:
        """Replace settings sections (workspace=…, window=…) or the theme=… and save them."""
        theme = sections.pop("theme", None)
        if theme is not None:
            sections["appearance"] = replace(self.settings.appearance, theme=theme)
        self.settings = replace(self.settings, **sections)
        save_settings(self.settings, self.paths.settings_file)

    def remember_window(self) -> None:
        geometry, state = self.window.saved_window()
        current = self.window.current_nav_id or self.settings.window.last_screen
        self.update_settings(window=replace(self.settings.window, geometry=geometry,
                                            state=state, last_screen=current))

    def _follow_conflicts(self, engine: Any) -> None:
        indicator = getattr(self.window, "conflicts", None)
        if indicator is not None:
            bridge = getattr(self, "bridge", None)
            indicator.attach(engine, bridge.signals.conflict if bridge is not None else None)

    def _detach(self) -> None:
        """Take the screens down and stop listening to the engine (before it changes)."""
        self.window.remove_screens()
        self._follow_conflicts(None)
        if self.ctx is not None:
            self.ctx.close()
            self.ctx = None
        if self.bridge is not None:
            self.bridge.detach()

    async def _close_current(self) -> None:
        self._detach()
        workspace, self.workspace = self.workspace, None
        if workspace is not None:
            await self._close_workspace(workspace)

    @staticmethod
    async def _close_workspace(workspace: Any) -> None:
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_S):  # not wait_for: see SyncEngine.stop
                await workspace.close()
        except Exception:
            log.exception("The workspace did not close cleanly")

    async def shutdown(self) -> None:
        """Let an opening finish (so nothing is left half-started), then close everything."""
        self._generation += 1
        pending = [t for t in (self.task, *self._openings) if t is not None and not t.done()]
        if pending:
            try:
                async with asyncio.timeout(OPEN_WAIT_S):
                    await asyncio.shield(asyncio.gather(*pending, return_exceptions=True))
            except Exception:
                log.warning("The workspace was still opening at exit", exc_info=True)
        await self._close_current()


def _log_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("Sync now failed: %s", task.exception())


def _live_parts(kind: str, workspace: Any) -> dict[str, Any]:
    """What the control room needs of the workspace: its server in a show's terms, the
    engine's show following and, locally, the database the rehearsal audience joins."""
    parts: dict[str, Any] = {"workspace_kind": kind}
    backend = getattr(workspace, "backend", None)
    if backend is not None:
        from studio.sync.show_server import BackendShowServer

        parts["show_server"] = BackendShowServer(backend)
    follow = getattr(getattr(workspace, "engine", None), "follow_show", None)
    if callable(follow):
        parts["follow_show"] = follow
    server = getattr(workspace, "server", None)
    if kind == "local" and callable(getattr(server, "dsn", None)):
        from studio.server.workspace import DATABASE

        parts["local_conninfo"] = server.dsn(DATABASE)
    return parts


def _workspace_class() -> WorkspaceOpener:
    from studio.sync.workspace import Workspace

    return Workspace
