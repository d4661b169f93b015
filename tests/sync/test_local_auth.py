"""LocalBackend sign-in: the local stand-in for Supabase Auth, and the remembered user."""

from __future__ import annotations

import json

import pytest
from test_local_support import Workspace, f

from studio.server.demo_accounts import (
    DEMO_CUSTOMER,
    DEMO_DRAFT_SHOW_ID,
    DEMO_HOST,
    DEMO_PASSWORD,
    DEMO_WHOLESALER,
)
from studio.sync.backend import AuthError, AuthUser, NetworkError, PermissionDenied, Role, eq
from studio.sync.local.auth import INVALID_CREDENTIALS
from studio.sync.session_store import MemorySessionStore

pytestmark = pytest.mark.asyncio
pytest_plugins = ["test_local_support"]


async def test_demo_accounts_sign_in_on_the_seeded_workspace(
    seeded_db: str, pg_connect, backends
) -> None:
    owner = pg_connect(seeded_db)
    ids = [DEMO_HOST.user_id, DEMO_WHOLESALER.user_id, DEMO_CUSTOMER.user_id]
    before = owner.execute(
        "select id, last_sign_in_at from auth.users where id = any(%s::uuid[])", (ids,)
    ).fetchall()
    try:
        backend = backends(seeded_db)
        session = await backend.sign_in(DEMO_HOST.email, DEMO_PASSWORD)
        assert session.user == AuthUser(DEMO_HOST.user_id, DEMO_HOST.email)
        assert backend.current_user == session.user
        profiles = await backend.my_profiles()
        assert profiles.roles == {Role.HOST}
        assert profiles.profile_id(Role.HOST) == DEMO_HOST.profile_id
        draft = await backend.select(
            "live_stream_sessions", ["id", "status"], [eq("id", DEMO_DRAFT_SHOW_ID)]
        )
        assert draft == [{"id": DEMO_DRAFT_SHOW_ID, "status": "scheduled"}]

        for account, role in ((DEMO_WHOLESALER, Role.WHOLESALER), (DEMO_CUSTOMER, Role.CUSTOMER)):
            await backend.sign_in(account.email, DEMO_PASSWORD)
            assert (await backend.my_profiles()).profile_id(role) == account.profile_id
    finally:
        with owner.cursor() as cur:
            cur.executemany(
                "update auth.users set last_sign_in_at = %s where id = %s",
                [(stamp, user_id) for user_id, stamp in before],
            )


async def test_sign_in_checks_the_bcrypt_hash_and_records_it(ws: Workspace) -> None:
    with ws.cursor() as cur:
        host = f.create_influencer(cur)
    email = ws.with_password(host.user_id)
    backend = ws.make()

    session = await backend.sign_in(f"  {email.upper()} ", DEMO_PASSWORD)

    assert session.user == AuthUser(host.user_id, email)
    assert session.expires_at is None
    assert ws.one(
        "select last_sign_in_at is not null from auth.users where id = %s", (host.user_id,)
    )
    assert (await backend.my_profiles()).profile_id(Role.HOST) == host.profile_id


async def test_wrong_password_and_unknown_email_are_refused_alike(ws: Workspace) -> None:
    with ws.cursor() as cur:
        host = f.create_influencer(cur)
        no_password = f.create_customer(cur)
    email = ws.with_password(host.user_id)
    no_password_email = ws.one("select email from auth.users where id = %s", (no_password.user_id,))
    store = MemorySessionStore()
    backend = ws.make(session_store=store)

    refusals = []
    for who, password in (
        (email, "not-the-password"),
        ("nobody@example.test", DEMO_PASSWORD),
        (no_password_email, DEMO_PASSWORD),
    ):
        with pytest.raises(AuthError) as caught:
            await backend.sign_in(who, password)
        refusals.append((caught.value.message, caught.value.code, caught.value.status))

    assert refusals == [(INVALID_CREDENTIALS, "invalid_credentials", 400)] * 3
    assert backend.current_user is None
    assert store.load() is None
    assert ws.one("select last_sign_in_at from auth.users where id = %s", (host.user_id,)) is None


async def test_banned_user_with_the_right_password_is_refused(ws: Workspace) -> None:
    with ws.cursor() as cur:
        host = f.create_influencer(cur)
    email = ws.with_password(host.user_id)
    ws.owner.execute(
        "update auth.users set banned_until = now() + interval '1 day' where id = %s",
        (host.user_id,),
    )
    backend = ws.make()
    with pytest.raises(AuthError, match="banned"):
        await backend.sign_in(email, DEMO_PASSWORD)
    assert backend.current_user is None


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("", DEMO_PASSWORD, "email"),
        ("no-at-sign", DEMO_PASSWORD, "email"),
        ("a@b.c", "", "password"),
    ],
)
async def test_malformed_sign_in_is_refused_before_anything_is_sent(
    backends, unreachable: str, email: str, password: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await backends(unreachable).sign_in(email, password)


async def test_the_session_is_remembered_without_any_secret(ws: Workspace) -> None:
    with ws.cursor() as cur:
        customer = f.create_customer(cur)
    store = MemorySessionStore()
    first = await ws.signed_in(customer, session_store=store)

    remembered = json.loads(store.load() or "{}")
    assert remembered == {"user_id": customer.user_id, "email": first.current_user.email}

    second = ws.make(session_store=store)
    restored = await second.restore_session()
    assert restored is not None and restored.user == first.current_user
    assert (await second.my_profiles()).profile_id(Role.CUSTOMER) == customer.profile_id

    await second.sign_out()
    assert second.current_user is None and store.load() is None
    assert await ws.make(session_store=store).restore_session() is None
    with pytest.raises(PermissionDenied):
        await second.my_profiles()  # now anonymous


async def test_restore_forgets_a_user_who_no_longer_exists(ws: Workspace) -> None:
    with ws.cursor() as cur:
        customer = f.create_customer(cur)
    store = MemorySessionStore()
    await ws.signed_in(customer, session_store=store)
    ws.owner.execute("delete from auth.users where id = %s", (customer.user_id,))

    backend = ws.make(session_store=store)
    assert await backend.restore_session() is None
    assert backend.current_user is None and store.load() is None


async def test_restore_offline_keeps_the_remembered_user(backends, unreachable: str) -> None:
    store = MemorySessionStore()
    store.save(json.dumps({"user_id": DEMO_HOST.user_id, "email": DEMO_HOST.email}))
    backend = backends(unreachable, session_store=store)

    restored = await backend.restore_session()

    assert restored is not None and restored.user == AuthUser(DEMO_HOST.user_id, DEMO_HOST.email)
    assert store.load() is not None
    with pytest.raises(NetworkError):
        await backend.refresh()
