"""Proxies: ``proxy=``, ``trust_env=``, SOCKS5, ``ProxyError`` and the proxy's credentials.

The requests go through real proxy servers that this test session starts on loopback:
tinyproxy (HTTP, Debian's package) and microsocks (SOCKS5, Debian's package), each with and
without credentials. Both connect on from 127.0.0.2, so the emulator (on 127.0.0.1) records
the proxy as the peer of every request that came through one.

Without the servers on PATH those tests are skipped, unless ``PUMPFUN_REQUIRE_PROXIES`` is
set (``.ci/run`` sets it after installing them), in which case they fail.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from pumpfun_async import (
    AsyncPumpFunClient,
    ConnectError,
    ProxyError,
    PumpFunClient,
    PumpFunError,
    RetryPolicy,
    TransportError,
    ValidationError,
)
from pumpfun_async._proxy import DIRECT, proxy_option
from pumpfun_async.testing import DOCS_MINT, Emulator

from .test_tracebacks import renderings

PASSWORD = "pwSECRETq9z8"
USER = "proxyuser"
PROXY_PEER = "127.0.0.2"  # where the test proxies connect on from
_ENV = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
_REQUIRE = "PUMPFUN_REQUIRE_PROXIES"


@pytest.fixture(autouse=True)
def _no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts from an environment without proxy variables, sets its own."""
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.delenv("REQUEST_METHOD", raising=False)  # CGI: urllib ignores HTTP_PROXY


def no_secret(text: str) -> None:
    assert PASSWORD not in text, text


def check_error(error: BaseException) -> None:
    """Neither the error's renderings (locals included) nor its repr show the password."""
    no_secret(renderings(error))
    no_secret(repr(error) + str(error))


# ------------------------------------------------------------------ checking proxy URLs

# Each URL's "{auth}" stands for the user name and password, filled in as the URL is passed:
# a local holding the password would show in the test's own frame, which is not the SDK's.
BAD_URLS: list[tuple[object, str]] = [
    ("ftp://{auth}@127.0.0.1:21", "unsupported proxy scheme 'ftp'"),
    ("socks4://{auth}@127.0.0.1:1080", "unsupported proxy scheme 'socks4'"),
    ("127.0.0.1:3128", "unsupported proxy scheme"),
    ("http://{auth}@:3128", "not a valid proxy URL"),
    ("http://{auth}@127.0.0.1:0", "from 1 to 65535, got 0"),
    ("http://{auth}@127.0.0.1:99999", "not a valid proxy URL"),
    ("http://{auth}@127.0.0.1:port", "not a valid proxy URL"),
    ("http://{auth}@127.0.0.1:3128/path", "must not have a path"),
    ("http://{auth}@127.0.0.1:3128/?q=1", "must not have a path, a query"),
    ("http://{auth}@127.0.0.1:31\x0128", "control characters"),
    ("http://x%3A{auth}@127.0.0.1:3128", "user name must not contain ':'"),
    ("socks5://{auth}" + "p" * 256 + "@127.0.0.1:1080", "at most 255 bytes"),
    (3128, "expected a proxy URL string, got int"),
]


def _fill(template: object) -> Any:
    return template.format(auth=f"{USER}:{PASSWORD}") if isinstance(template, str) else template


@pytest.mark.parametrize(("template", "message"), BAD_URLS, ids=[str(u) for u, _ in BAD_URLS])
def test_a_bad_proxy_url_is_refused_before_anything_is_sent(template: object, message: str) -> None:
    with pytest.raises(ValidationError, match=r"^proxy: ") as caught:
        AsyncPumpFunClient(base_url="http://127.0.0.1:9", proxy=_fill(template))
    assert message in str(caught.value)
    check_error(caught.value)
    client = AsyncPumpFunClient(base_url="http://127.0.0.1:9", trust_env=False)
    with pytest.raises(ValidationError, match=re.escape(message)) as caught:
        client.with_options(proxy=_fill(template))
    check_error(caught.value)
    with pytest.raises(ValidationError, match=re.escape(message)) as caught:
        PumpFunClient(proxy=_fill(template))
    check_error(caught.value)
    sync = PumpFunClient(base_url="http://127.0.0.1:9", trust_env=False)
    with pytest.raises(ValidationError, match=re.escape(message)) as caught:
        sync.with_options(proxy=_fill(template))
    check_error(caught.value)
    sync.close()


def test_trust_env_must_be_a_bool() -> None:
    with pytest.raises(ValidationError, match=r"^trust_env: "):
        AsyncPumpFunClient(trust_env="no")  # type: ignore[arg-type]


@pytest.mark.parametrize("scheme", ["socks5", "socks5h"])
def test_socks_without_the_extra_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    monkeypatch.setitem(sys.modules, "aiohttp_socks", None)  # as if not installed
    with pytest.raises(ValidationError) as caught:
        AsyncPumpFunClient(proxy=f"{scheme}://{USER}:{PASSWORD}@127.0.0.1:1080")
    assert str(caught.value) == (
        f"proxy: a {scheme}:// proxy needs the socks extra: pip install 'pumpfun-async[socks]'"
    )
    check_error(caught.value)


def test_a_socks_proxy_needs_the_clients_own_session() -> None:
    import aiohttp

    async def given_session() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(ValidationError, match="SOCKS proxy needs the client's own"):
                AsyncPumpFunClient(session=session, proxy="socks5://127.0.0.1:1080")
            client = AsyncPumpFunClient(session=session, proxy="http://127.0.0.1:3128")
            with pytest.raises(ValidationError, match="SOCKS proxy needs the client's own"):
                client.with_options(proxy="socks5://127.0.0.1:1080")

    import asyncio

    asyncio.run(given_session())


def test_what_the_client_shows_of_its_proxy() -> None:
    url = f"http://{USER}:{PASSWORD}@127.0.0.1:3128"
    client = AsyncPumpFunClient(base_url="http://127.0.0.1:9", proxy=url)
    assert client.proxy == "http://127.0.0.1:3128"
    assert "proxy='http://127.0.0.1:3128'" in repr(client)
    no_secret(repr(client) + repr(vars(client)) + repr(client._transport.proxy))
    socks = client.with_options(proxy=f"socks5h://{USER}:{PASSWORD}@127.0.0.1")
    assert socks.proxy == "socks5h://127.0.0.1:1080"  # SOCKS's usual port
    assert client.proxy == "http://127.0.0.1:3128"  # the original is untouched
    assert "proxy=" not in repr(client.with_options(proxy=None, trust_env=False))
    with PumpFunClient(base_url="http://127.0.0.1:9", proxy=url) as sync:
        assert sync.proxy == "http://127.0.0.1:3128"
        assert sync.with_options(proxy=None, trust_env=False).proxy is None
        no_secret(repr(sync))


# ------------------------------------------------------------------ the environment


@pytest.mark.parametrize(
    ("env", "base_url", "expected"),
    [
        ({"HTTP_PROXY": "http://127.0.0.1:3128"}, "http://api.test", "http://127.0.0.1:3128"),
        ({"HTTP_PROXY": "http://127.0.0.1:3128"}, "https://api.test", None),
        ({"HTTPS_PROXY": "http://127.0.0.1:3129"}, "https://api.test", "http://127.0.0.1:3129"),
        ({"ALL_PROXY": "http://127.0.0.1:3130"}, "https://api.test", "http://127.0.0.1:3130"),
        (
            {"HTTPS_PROXY": "http://127.0.0.1:1", "https_proxy": "http://127.0.0.1:2"},
            "https://api.test",
            "http://127.0.0.1:2",
        ),
        ({"HTTP_PROXY": "127.0.0.1:3128"}, "http://api.test", "http://127.0.0.1:3128"),
        ({"HTTPS_PROXY": "http://p.test:1", "NO_PROXY": "*"}, "https://api.test", None),
        (
            {"HTTPS_PROXY": "http://p.test:1", "NO_PROXY": "x.test,api.test"},
            "https://api.test",
            None,
        ),
        ({"HTTPS_PROXY": "http://p.test:1", "NO_PROXY": ".test"}, "https://a.api.test", None),
        ({"HTTPS_PROXY": "http://p.test:1", "NO_PROXY": "*.api.test"}, "https://a.api.test", None),
        ({"HTTPS_PROXY": "http://p.test:1", "NO_PROXY": "api.test:443"}, "https://api.test", None),
        (
            {"HTTPS_PROXY": "http://p.test:1", "NO_PROXY": "api.test:8443"},
            "https://api.test",
            "http://p.test:1",
        ),
        (
            {"HTTPS_PROXY": "http://p.test:1", "NO_PROXY": "pi.test other.test"},
            "https://api.test",
            "http://p.test:1",
        ),
        ({"HTTP_PROXY": "http://p.test:1", "no_proxy": "127.0.0.1"}, "http://127.0.0.1:9", None),
        # Under CGI, HTTP_PROXY may come from a request's Proxy header ("httpoxy").
        ({"HTTP_PROXY": "http://p.test:1", "REQUEST_METHOD": "GET"}, "http://api.test", None),
        ({"HTTP_PROXY": "", "ALL_PROXY": "http://p.test:2"}, "http://api.test", "http://p.test:2"),
    ],
)
def test_the_environments_proxy(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], base_url: str, expected: str | None
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert AsyncPumpFunClient(base_url=base_url).proxy == expected
    assert AsyncPumpFunClient(base_url=base_url, trust_env=False).proxy is None
    explicit = AsyncPumpFunClient(base_url=base_url, proxy="http://127.0.0.1:7")
    assert explicit.proxy == "http://127.0.0.1:7"  # a given proxy wins over the environment


def test_with_options_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3129")
    client = AsyncPumpFunClient(base_url="https://api.test")
    assert client.proxy == "http://127.0.0.1:3129"
    direct = client.with_options(trust_env=False)
    assert direct.proxy is None
    assert direct.with_options(trust_env=True).proxy == "http://127.0.0.1:3129"
    given = client.with_options(proxy="http://127.0.0.1:5")
    assert given.with_options(trust_env=False).proxy == "http://127.0.0.1:5"  # stays
    assert given.with_options(proxy=None).proxy == "http://127.0.0.1:3129"
    assert given.with_options(proxy=None, trust_env=False).proxy is None
    assert given.with_options(timeout=5).proxy == "http://127.0.0.1:5"
    with pytest.raises(ValidationError, match=r"^trust_env: "):
        given.with_options(trust_env=1)  # type: ignore[arg-type]


def test_a_bad_proxy_in_the_environment_is_named_not_quoted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://{USER}:{PASSWORD}@127.0.0.1:3128/path")
    with pytest.raises(ValidationError, match=r"^HTTPS_PROXY: .*must not have a path") as caught:
        AsyncPumpFunClient(base_url="https://api.test")
    check_error(caught.value)
    # Not used, so not checked: a client that does not trust the environment.
    assert AsyncPumpFunClient(base_url="https://api.test", trust_env=False).proxy is None


def test_the_proxy_option_as_such() -> None:
    assert proxy_option(None, False, "http://x.test") is DIRECT
    proxy = proxy_option(f"socks5://{USER}:{PASSWORD}@127.0.0.1:9050", True, "http://x.test")
    assert proxy.socks
    assert proxy.http_url is None
    assert repr(proxy) == "Proxy('socks5://127.0.0.1:9050', source='proxy')"
    http = proxy_option(f"http://{USER}:{PASSWORD}@127.0.0.1:3128", True, "http://x.test")
    assert not http.socks
    assert http.http_url is not None
    assert http.http_url.password == PASSWORD  # aiohttp takes the credentials from it
    assert repr(DIRECT) == "Proxy(None, source='proxy')"


# ------------------------------------------------------------------ retrying


@pytest.mark.parametrize("idempotent", [True, False])
def test_which_proxy_errors_are_retried(idempotent: bool) -> None:
    policy = RetryPolicy()
    unreachable = ProxyError("x", proxy="http://127.0.0.1:1", refused=False)
    refused = ProxyError("x", proxy="http://127.0.0.1:1", refused=True, status=407)
    assert policy.should_retry(unreachable, idempotent=idempotent)
    assert not policy.should_retry(refused, idempotent=idempotent)
    assert isinstance(refused, TransportError)
    assert not isinstance(refused, ConnectError)


# ------------------------------------------------------------------ real proxy servers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get(_REQUIRE):
            pytest.fail(f"{name} is not on PATH, and {_REQUIRE} is set")
        pytest.skip(f"{name} is not installed (CI installs it)")
    return found


@attrs.frozen
class Server:
    """A proxy server this session started: its URL (credentials included) and its log."""

    scheme: str
    port: int
    log: Path
    credentials: bool

    def url(self, user: str | None = USER, password: str | None = PASSWORD) -> str:
        auth = "" if user is None else f"{user}:{password}@" if password is not None else f"{user}@"
        return f"{self.scheme}://{auth}127.0.0.1:{self.port}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def _serving(command: list[str], port: int, log: Path) -> Iterator[None]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20  # only a guard against a server that never starts
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"{command[0]} did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="session")
def http_proxies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[bool, Server]]:
    """tinyproxy without and with credentials (``True``), connecting on from 127.0.0.2."""
    with contextlib.ExitStack() as stack:
        servers: dict[bool, Server] = {}
        for credentials in (False, True):
            workdir = tmp_path_factory.mktemp("tinyproxy")
            binary = _binary("tinyproxy")
            port = _free_port()
            log = workdir / "tinyproxy.log"
            config = workdir / "tinyproxy.conf"
            lines = [
                f"Port {port}",
                "Listen 127.0.0.1",
                f"Bind {PROXY_PEER}",
                "Allow 127.0.0.1",
                "Timeout 30",
                "MaxClients 50",
                "LogLevel Connect",
                f'LogFile "{log}"',
                *([f"BasicAuth {USER} {PASSWORD}"] if credentials else []),
            ]
            config.write_text("\n".join(lines) + "\n")
            stack.enter_context(
                _serving([binary, "-d", "-c", str(config)], port, workdir / "stdout.log")
            )
            servers[credentials] = Server("http", port, log, credentials)
        yield servers


@pytest.fixture(scope="session")
def socks_proxies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[bool, Server]]:
    """microsocks without and with credentials (``True``), connecting on from 127.0.0.2."""
    with contextlib.ExitStack() as stack:
        servers: dict[bool, Server] = {}
        for credentials in (False, True):
            workdir = tmp_path_factory.mktemp("microsocks")
            binary = _binary("microsocks")
            port = _free_port()
            log = workdir / "microsocks.log"
            command = [binary, "-i", "127.0.0.1", "-p", str(port), "-b", PROXY_PEER]
            if credentials:
                command += ["-u", USER, "-P", PASSWORD]
            stack.enter_context(_serving(command, port, log))
            servers[credentials] = Server("socks5", port, log, credentials)
        yield servers


def through_proxy(emu: Emulator) -> list[str | None]:
    return [request.remote for request in emu.requests]


async def test_tinyproxy_without_credentials(
    emu: Emulator, http_proxies: dict[bool, Server]
) -> None:
    server = http_proxies[False]
    async with emu.client(proxy=server.url(None)) as client:
        await client.like(DOCS_MINT)
        page = await client.get_replies(DOCS_MINT)
    assert page.replies == []
    assert through_proxy(emu) == [PROXY_PEER, PROXY_PEER]
    assert all("tinyproxy" in request.headers.get("Via", "") for request in emu.requests)
    assert f"POST {emu.url}/likes/{DOCS_MINT}" in server.log_text()
    async with emu.client(trust_env=False) as direct:
        await direct.like(DOCS_MINT)
    assert emu.requests[-1].remote == "127.0.0.1"  # without the proxy, the client's own


async def test_tinyproxy_with_credentials(emu: Emulator, http_proxies: dict[bool, Server]) -> None:
    server = http_proxies[True]
    async with emu.client(proxy=server.url()) as client:
        # The reply first: tinyproxy closes each connection after one forwarded request
        # without saying so, and a reply is not retried on the stale pooled connection.
        await client.create_reply(DOCS_MINT, "through the proxy")
        await client.like(DOCS_MINT)
    assert through_proxy(emu) == [PROXY_PEER, PROXY_PEER]
    # The proxy took its credentials off: the API sees none of them.
    assert all("Proxy-Authorization" not in request.headers for request in emu.requests)


# Wrong credentials, by name: the test's own locals must not hold the password.
WRONG: dict[str, tuple[str | None, str | None]] = {
    "none": (None, None),
    "wrong-password": (USER, "wrong" + PASSWORD),
    "wrong-user": ("nobody", PASSWORD),
}


@pytest.mark.parametrize(
    ("wrong", "status"), [("none", 407), ("wrong-password", 401), ("wrong-user", 401)]
)
async def test_tinyproxy_refuses(
    emu: Emulator,
    http_proxies: dict[bool, Server],
    caplog: pytest.LogCaptureFixture,
    wrong: str,
    status: int,
) -> None:
    server = http_proxies[True]
    caplog.set_level(logging.DEBUG, logger="pumpfun_async")
    async with emu.client(proxy=server.url(*WRONG[wrong]), max_retries=3) as client:
        with pytest.raises(ProxyError) as caught:
            await client.like(DOCS_MINT)
    error = caught.value
    assert (error.refused, error.status, error.proxy) == (True, status, server.url(None))
    assert str(error) == (
        f"the proxy {server.url(None)} refused POST /likes/{DOCS_MINT}: HTTP {status} "
        "(check the proxy's user name and password)"
    )
    assert emu.requests == []  # nothing reached the API
    assert "retrying" not in caplog.text  # a refusal is not retried
    check_error(error)
    no_secret(caplog.text)


async def test_the_environments_http_proxy(
    emu: Emulator, http_proxies: dict[bool, Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", http_proxies[True].url())
    async with emu.client() as client:  # the emulator's clients ignore it by default
        assert client.proxy is None
        await client.get_replies(DOCS_MINT)
    assert through_proxy(emu) == ["127.0.0.1"]
    emu.requests.clear()
    async with emu.client(trust_env=True) as client:
        assert client.proxy == http_proxies[True].url(None)
        await client.like(DOCS_MINT)
        async with client.with_options(trust_env=False) as direct:
            await direct.unlike(DOCS_MINT)
    assert through_proxy(emu) == [PROXY_PEER, "127.0.0.1"]
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with emu.client(trust_env=True) as client:
        assert client.proxy is None


async def test_a_tunnel_the_proxy_refuses(http_proxies: dict[bool, Server]) -> None:
    """An https:// API goes through a CONNECT tunnel: its refusal is the proxy's too."""
    server = http_proxies[True]
    base_url = f"https://127.0.0.1:{_free_port()}"
    async with AsyncPumpFunClient(
        base_url=base_url, proxy=server.url(USER, "wrong"), rate_limit=None, max_retries=0
    ) as client:
        with pytest.raises(ProxyError) as caught:
            await client.get_replies(DOCS_MINT)
    assert (caught.value.refused, caught.value.status) == (True, 401)
    check_error(caught.value)
    async with AsyncPumpFunClient(
        base_url=base_url, proxy=server.url(), rate_limit=None, max_retries=0
    ) as client:
        with pytest.raises(ProxyError, match="could not open a tunnel") as caught:
            await client.get_replies(DOCS_MINT)  # nothing listens there: the proxy says so
    assert caught.value.refused is False
    assert caught.value.status is not None
    assert caught.value.status >= 500
    check_error(caught.value)


@pytest.mark.parametrize("scheme", ["socks5", "socks5h"])
async def test_microsocks_without_credentials(
    emu: Emulator, socks_proxies: dict[bool, Server], scheme: str
) -> None:
    server = socks_proxies[False]
    async with emu.client(proxy=server.url(None).replace("socks5", scheme, 1)) as client:
        await client.like(DOCS_MINT)
        await client.get_replies(DOCS_MINT)
    assert through_proxy(emu) == [PROXY_PEER, PROXY_PEER]
    assert f"connected to {emu.url.removeprefix('http://')}" in server.log_text()


async def test_microsocks_with_credentials_and_views(
    emu: Emulator, socks_proxies: dict[bool, Server], http_proxies: dict[bool, Server]
) -> None:
    async with emu.client(proxy=socks_proxies[True].url()) as client:
        await client.like(DOCS_MINT)
        # Views with other proxies (or none) share the client and its close.
        await client.with_options(proxy=http_proxies[False].url(None)).unlike(DOCS_MINT)
        await client.with_options(proxy=None, trust_env=False).like(DOCS_MINT)
        await client.with_options(proxy=socks_proxies[False].url(None)).unlike(DOCS_MINT)
    assert through_proxy(emu) == [PROXY_PEER, PROXY_PEER, "127.0.0.1", PROXY_PEER]
    assert "tinyproxy" in emu.requests[1].headers.get("Via", "")
    assert "Via" not in emu.requests[0].headers
    assert client._transport._shared.socks_sessions == {}  # closed with the client


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        ("none", "No acceptable authentication methods were offered"),
        ("wrong-password", "Username and password authentication failure"),
    ],
)
async def test_microsocks_refuses(
    emu: Emulator,
    socks_proxies: dict[bool, Server],
    caplog: pytest.LogCaptureFixture,
    wrong: str,
    message: str,
) -> None:
    server = socks_proxies[True]
    caplog.set_level(logging.DEBUG, logger="pumpfun_async")
    async with emu.client(proxy=server.url(*WRONG[wrong]), max_retries=3) as client:
        with pytest.raises(ProxyError) as caught:
            await client.create_reply(DOCS_MINT, "gm")
    error = caught.value
    assert (error.refused, error.status, error.proxy) == (True, None, server.url(None))
    assert str(error) == f"the proxy {server.url(None)} refused POST /replies: {message}"
    assert emu.requests == []
    assert "retrying" not in caplog.text
    check_error(error)
    no_secret(caplog.text)


@pytest.mark.parametrize("scheme", ["http", "socks5"])
async def test_an_unreachable_proxy_is_retried_even_for_a_reply(
    emu: Emulator, caplog: pytest.LogCaptureFixture, scheme: str
) -> None:
    """Nothing can have reached the API, so even a reply is tried again."""
    port = _free_port()  # nothing listens there
    caplog.set_level(logging.DEBUG, logger="pumpfun_async")
    async with emu.client(
        proxy=f"{scheme}://{USER}:{PASSWORD}@127.0.0.1:{port}", max_retries=2
    ) as client:
        with pytest.raises(ProxyError) as caught:
            await client.create_reply(DOCS_MINT, "gm")
    error = caught.value
    assert error.refused is False
    assert error.status is None
    assert str(error).startswith(f"{'could not connect to ' if scheme == 'http' else ''}the proxy")
    assert caplog.text.count("after ProxyError") == 2
    assert emu.requests == []
    check_error(error)
    no_secret(caplog.text)


def test_the_sync_client_through_a_socks_proxy(socks_proxies: dict[bool, Server]) -> None:
    with (
        Emulator().run_in_thread() as emu,
        PumpFunClient(
            "user-token",
            base_url=emu.url,
            proxy=socks_proxies[True].url(),
            rate_limit=None,
            captcha="tok",
        ) as client,
    ):
        client.like(DOCS_MINT)
        client.with_options(proxy=socks_proxies[True].url(USER, "nope"))
        with pytest.raises(ProxyError) as caught:
            client.with_options(proxy=socks_proxies[True].url(USER, "nope")).unlike(DOCS_MINT)
        assert [request.remote for request in emu.requests] == [PROXY_PEER]
    check_error(caught.value)


def test_proxy_error_is_a_pumpfun_error() -> None:
    error = ProxyError("m", proxy="http://127.0.0.1:1", method="GET", path="/x")
    assert isinstance(error, PumpFunError)
    assert (error.method, error.path, error.refused, error.status) == ("GET", "/x", False, None)
