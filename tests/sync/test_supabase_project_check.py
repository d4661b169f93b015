"""Checking a project URL and anon key before switching: one request, a reason per field."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from studio.sync.supabase.project_check import (
    ProjectCheckFailed,
    check_project,
    project_url_problem,
)

URL = "https://abcdefgh.supabase.co"
KEY = "sb_publishable_abc123"
SETTINGS = {"external": {"email": True, "phone": False}, "disable_signup": False}


def answering(*responses: httpx.Response):
    """A transport that records requests and answers with `responses` in turn."""
    seen: list[httpx.Request] = []
    replies = iter(responses)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return next(replies)

    return httpx.MockTransport(handle), seen


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (URL, None),
        (URL + "/", None),
        ("http://127.0.0.1:54321", None),
        ("https://abcdefgh.supabase.co/rest/v1/", "without a path (https://abcdefgh.supabase.co)"),
        ("https://abcdefgh.supabase.co/auth/v1", "without a path"),
    ],
)
def test_urls_with_a_path_are_refused(url, problem):
    found = project_url_problem(url)
    if problem is None:
        assert found is None
    else:
        assert problem in found


@pytest.mark.asyncio
async def test_a_working_project_passes_with_one_cheap_request():
    transport, seen = answering(httpx.Response(200, json=SETTINGS))
    result = await check_project(URL + "/", KEY, transport=transport)
    assert result.url == URL and result.email_sign_in
    [request] = seen
    assert request.method == "GET"
    assert str(request.url) == f"{URL}/auth/v1/settings"
    assert request.headers["apikey"] == KEY


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("reply", "field", "words"),
    [
        (httpx.Response(401, json={"message": "Invalid API key", "hint": "Double check"}),
         "key", "The project refused this key (Invalid API key)"),
        (httpx.Response(401, text=""), "key", "refused this key (HTTP 401 Unauthorized)"),
        (httpx.Response(404, text="not here"), "url", "No Supabase project answers at"),
        (httpx.Response(502, text="<html>"), "url", "could not answer now (HTTP 502 Bad Gateway)"),
        (httpx.Response(429, json={"message": "slow"}), "url", "(HTTP 429 Too Many Requests)"),
        (httpx.Response(200, text="<html>welcome</html>"), "url", "but not as a Supabase project"),
        (httpx.Response(301, headers={"location": "https://elsewhere.example/"}), "url",
         "redirects to https://elsewhere.example/"),
    ],
)
async def test_each_refusal_names_the_field_and_what_happened(reply, field, words):
    transport, _seen = answering(reply)
    with pytest.raises(ProjectCheckFailed) as caught:
        await check_project(URL, KEY, transport=transport)
    assert caught.value.field == field
    assert words in caught.value.message


@pytest.mark.asyncio
async def test_an_unreachable_host_is_a_url_problem():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(ProjectCheckFailed) as caught:
        await check_project(URL, KEY, transport=httpx.MockTransport(refuse))
    assert caught.value.field == "url"
    assert caught.value.message == (
        "Could not reach abcdefgh.supabase.co: connection failed: [Errno 111] Connection refused"
    )


@pytest.mark.asyncio
async def test_a_silent_server_times_out_with_the_time_said():
    accepted: list[asyncio.StreamWriter] = []

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # keep the connection open, say nothing

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(ProjectCheckFailed) as caught:
            await check_project(f"http://127.0.0.1:{port}", KEY, timeout=0.2)
    finally:
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()
    assert caught.value.field == "url"
    assert caught.value.message == (
        f"Could not reach 127.0.0.1:{port}: timed out after 0.2 s waiting for the reply"
    )
