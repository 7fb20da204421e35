"""Sessions, closing, configuration from the environment, and keeping secrets out of sight."""

from __future__ import annotations

import logging

import aiohttp
import pytest
from aioresponses import aioresponses

from pumpfun_async import (
    DEFAULT_BASE_URL,
    AsyncPumpFunClient,
    ClientClosedError,
    PumpFunError,
    TransportError,
    ValidationError,
)

from .conftest import BASE, CLIENT_KEY, MINT, TOKEN, sent


def session_of(client: AsyncPumpFunClient) -> aiohttp.ClientSession | None:
    return client._transport._shared.session


async def test_session_is_created_on_first_use_and_reused(mocked: aioresponses) -> None:
    mocked.post(f"{BASE}/likes/{MINT}", status=201, repeat=True)
    client = AsyncPumpFunClient(TOKEN, base_url=BASE)
    assert session_of(client) is None
    await client.like(MINT)
    session = session_of(client)
    assert session is not None
    await client.like(MINT)
    assert session_of(client) is session
    await client.aclose()
    assert session.closed


async def test_closed_client_refuses_to_send(mocked: aioresponses) -> None:
    mocked.post(f"{BASE}/likes/{MINT}", status=201, repeat=True)
    async with AsyncPumpFunClient(TOKEN, base_url=BASE) as client:
        await client.like(MINT)
    assert client.closed
    with pytest.raises(ClientClosedError, match="closed") as info:
        await client.like(MINT)
    assert isinstance(info.value, PumpFunError)
    assert isinstance(info.value, RuntimeError)
    assert len(sent(mocked)) == 1
    await client.aclose()  # closing twice is harmless


async def test_client_closed_before_any_request(mocked: aioresponses) -> None:
    client = AsyncPumpFunClient(TOKEN, base_url=BASE)
    await client.aclose()
    with pytest.raises(ClientClosedError):
        await client.get_replies(MINT)
    assert sent(mocked) == []


async def test_a_given_session_is_used_and_never_closed(mocked: aioresponses) -> None:
    mocked.delete(f"{BASE}/likes/{MINT}", status=200)
    async with aiohttp.ClientSession() as session:
        async with AsyncPumpFunClient(TOKEN, base_url=BASE, session=session) as client:
            await client.unlike(MINT)
            assert session_of(client) is session
        assert not session.closed
        with pytest.raises(ClientClosedError):
            await client.unlike(MINT)
    assert len(sent(mocked)) == 1


async def test_a_given_session_closed_by_its_owner(mocked: aioresponses) -> None:
    session = aiohttp.ClientSession()
    await session.close()
    async with AsyncPumpFunClient(TOKEN, base_url=BASE, session=session) as client:
        with pytest.raises(ClientClosedError, match="aiohttp session"):
            await client.like(MINT)
    assert sent(mocked) == []


async def test_configuration_from_the_environment(
    mocked: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUMPFUN_TOKEN", " env-token \n")
    monkeypatch.setenv("PUMPFUN_BASE_URL", "http://env.test/")
    monkeypatch.setenv("PUMPFUN_CLIENT_KEY", "env-key")
    mocked.post("http://env.test/reports/reportComment", status=201)
    async with AsyncPumpFunClient() as client:
        assert client.base_url == "http://env.test"
        await client.report_comment("c1", "spam")
    (_, _, kwargs) = sent(mocked)[0]
    assert kwargs["headers"]["Authorization"] == "Bearer env-token"
    assert kwargs["headers"]["x-client-key"] == "env-key"


async def test_arguments_win_over_the_environment(
    mocked: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUMPFUN_TOKEN", "env-token")
    monkeypatch.setenv("PUMPFUN_BASE_URL", "http://env.test")
    mocked.post(f"{BASE}/likes/{MINT}", status=201)
    async with AsyncPumpFunClient("arg-token", base_url=BASE) as client:
        await client.like(MINT)
    (_, url, kwargs) = sent(mocked)[0]
    assert url.host == "api.test"
    assert kwargs["headers"]["Authorization"] == "Bearer arg-token"


async def test_defaults() -> None:
    async with AsyncPumpFunClient() as client:
        assert client.base_url == DEFAULT_BASE_URL
        assert (client.timeout.total, client.timeout.connect) == (30.0, 10.0)
        assert client.max_retries == 3


async def test_no_token_means_no_authorization_header(mocked: aioresponses) -> None:
    mocked.get(f"{BASE}/replies/{MINT}?limit=50&offset=0", payload=[])
    async with AsyncPumpFunClient(base_url=BASE) as client:
        await client.get_replies(MINT)
    (_, _, kwargs) = sent(mocked)[0]
    assert "Authorization" not in kwargs["headers"]


async def test_empty_token_counts_as_none(mocked: aioresponses) -> None:
    mocked.post(f"{BASE}/likes/{MINT}", status=201)
    async with AsyncPumpFunClient("  ", base_url=BASE) as client:
        await client.like(MINT)
    (_, _, kwargs) = sent(mocked)[0]
    assert "Authorization" not in kwargs["headers"]


async def test_repr_and_str_hide_secrets() -> None:
    async with AsyncPumpFunClient(TOKEN, base_url=BASE, client_key=CLIENT_KEY) as client:
        for text in (repr(client), str(client)):
            assert TOKEN not in text
            assert CLIENT_KEY not in text
            assert "token=<set>" in text
        assert "token=None" in repr(AsyncPumpFunClient(base_url=BASE))


async def test_secret_with_control_characters_is_refused_without_echo() -> None:
    with pytest.raises(ValidationError) as info:
        AsyncPumpFunClient("abc\r\nX-Injected: 1")
    assert "X-Injected" not in str(info.value)
    with pytest.raises(ValidationError) as info:
        AsyncPumpFunClient(client_key="key\x00zzz")
    assert "zzz" not in str(info.value)


async def test_debug_logs_name_the_request_but_no_secret(
    mocked: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    mocked.post(f"{BASE}/following/u1?captchaToken=cap-secret", status=201)
    mocked.post(f"{BASE}/reports/reportComment", status=401, payload={"message": "bad key"})
    caplog.set_level(logging.DEBUG)
    async with AsyncPumpFunClient(TOKEN, base_url=BASE, client_key=CLIENT_KEY) as client:
        await client.follow("u1", captcha_token="cap-secret")
        with pytest.raises(PumpFunError):
            await client.report_comment("c1", "spam")
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("pumpfun_async")]
    assert any("POST /following/u1 -> 201" in m for m in messages)
    assert any("POST /reports/reportComment -> 401" in m for m in messages)
    everything = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (TOKEN, CLIENT_KEY, "cap-secret"):
        assert secret not in everything


async def test_network_error_message_leaves_the_query_out(mocked: aioresponses) -> None:
    mocked.post(
        f"{BASE}/following/u1?captchaToken=cap-secret",
        exception=aiohttp.ClientPayloadError(
            "broken body at /following/u1?captchaToken=cap-secret"
        ),
    )
    async with AsyncPumpFunClient(TOKEN, base_url=BASE) as client:
        with pytest.raises(TransportError) as info:
            await client.follow("u1", captcha_token="cap-secret")
    assert "cap-secret" not in str(info.value)
    assert info.value.path == "/following/u1"
