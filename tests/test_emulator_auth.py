"""The emulator's wallet sign-in (``POST /auth/login``) and its session JWTs, over raw HTTP."""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import jwt
import pytest

from pumpfun_async._wallet import Wallet
from pumpfun_async.testing import DOCS_MINT, Emulator, IssuedToken, user_id_for

LIFETIME = 3600
START = 1_750_000_000.0  # seconds since the epoch; the injected wall clock starts here


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emulator_options(clock: Clock) -> dict[str, Any]:
    return {"wall_clock": clock, "token_lifetime": LIFETIME}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    # A dummy jar: these tests read and send the cookie by hand.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        yield session


@pytest.fixture(scope="module")
def wallet() -> Wallet:
    return Wallet.generate()


def sign_in_body(wallet: Wallet, at: float = START) -> dict[str, Any]:
    return wallet.sign_in_message(int(at * 1000)).as_body()


async def login(
    http: aiohttp.ClientSession, emu: Emulator, body: Any
) -> tuple[int, Any, aiohttp.ClientResponse]:
    async with http.post(f"{emu.url}/auth/login", json=body) as response:
        return response.status, await response.json(), response


async def cookie_token(
    http: aiohttp.ClientSession, emu: Emulator, wallet: Wallet, at: float = START
) -> str:
    status, _, response = await login(http, emu, sign_in_body(wallet, at))
    assert status == 201
    return response.cookies["auth_token"].value


async def like(
    http: aiohttp.ClientSession, emu: Emulator, token: str, *, cookie: bool = False
) -> tuple[int, Any]:
    headers = {"Cookie": f"auth_token={token}"} if cookie else {"Authorization": f"Bearer {token}"}
    async with http.post(f"{emu.url}/likes/{DOCS_MINT}", headers=headers) as response:
        return response.status, await response.json()


UNAUTHORIZED = {"statusCode": 401, "message": "Unauthorized"}


# ---------------------------------------------------------------------- signing in


async def test_login_sets_a_jwt_cookie(
    emu: Emulator, http: aiohttp.ClientSession, wallet: Wallet
) -> None:
    status, body, response = await login(http, emu, sign_in_body(wallet))
    assert status == 201
    assert body == {"address": wallet.address, "expiresAt": "2025-06-15T16:06:40.000Z"}
    set_cookie = response.headers["Set-Cookie"]
    assert set_cookie.startswith("auth_token=ey")
    for attribute in ("HttpOnly", "Path=/", "SameSite=Lax"):
        assert attribute in set_cookie
    token = response.cookies["auth_token"].value
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == claims["address"] == wallet.address
    assert claims["iat"] == int(START)
    assert claims["exp"] == claims["iat"] + LIFETIME
    assert isinstance(claims["jti"], str)
    assert claims["jti"]
    assert emu.issued_tokens == [
        IssuedToken(wallet.address, token, claims["jti"], claims["iat"], claims["exp"])
    ]


async def test_each_login_issues_a_new_token(
    emu: Emulator, http: aiohttp.ClientSession, wallet: Wallet
) -> None:
    first = await cookie_token(http, emu, wallet)
    second = await cookie_token(http, emu, wallet)
    assert first != second
    assert [t.token for t in emu.issued_tokens] == [first, second]
    assert (await like(http, emu, first))[0] == (await like(http, emu, second))[0] == 201


async def test_default_lifetime_is_thirty_days(http: aiohttp.ClientSession, wallet: Wallet) -> None:
    async with Emulator() as emu:
        now = time.time()
        token = await cookie_token(http, emu, wallet, now)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 30 * 24 * 3600
    assert abs(claims["iat"] - now) < 5


async def test_token_in_the_body(clock: Clock, http: aiohttp.ClientSession, wallet: Wallet) -> None:
    async with Emulator(wall_clock=clock, login_token_in="body") as emu:
        status, body, response = await login(http, emu, sign_in_body(wallet))
        assert status == 201
        assert "Set-Cookie" not in response.headers
        assert body["address"] == wallet.address
        assert body["token_type"] == "Bearer"
        assert body["access_token"] == emu.issued_tokens[0].token
        claims = jwt.decode(body["access_token"], options={"verify_signature": False})
        assert claims["sub"] == wallet.address
        assert await like(http, emu, body["access_token"]) == (
            201,
            {"targetId": DOCS_MINT, "liked": True, "totalLikes": 1},
        )


def test_constructor_checks_its_options() -> None:
    for lifetime in (0, -1, float("nan"), float("inf"), True, 1e12):
        with pytest.raises(ValueError, match="token_lifetime"):
            Emulator(token_lifetime=lifetime)
    with pytest.raises(ValueError, match="login_token_in"):
        Emulator(login_token_in="header")  # type: ignore[arg-type]


# ---------------------------------------------------------------------- rejected sign-ins


async def test_bad_signatures_are_401(
    emu: Emulator, http: aiohttp.ClientSession, wallet: Wallet
) -> None:
    other = Wallet.generate()
    theirs = sign_in_body(other)
    mine = sign_in_body(wallet)
    signature = mine["signature"]
    flipped = "2" if signature[-1] != "2" else "3"
    tampered = dict(mine, signature=signature[:-1] + flipped)
    bad_bodies = [
        dict(mine, signature=theirs["signature"]),  # another wallet's signature
        dict(mine, address=other.address),  # the wrong address
        tampered,
        dict(mine, timestamp=mine["timestamp"] + 1),  # signed another message
        dict(mine, signature="not base58 0OIl"),
        dict(mine, address="tooshort"),
    ]
    invalid = {"statusCode": 401, "message": "Invalid signature", "error": "Unauthorized"}
    for body in bad_bodies:
        status, answer, response = await login(http, emu, body)
        assert (status, answer) == (401, invalid), body
        assert "Set-Cookie" not in response.headers
    assert emu.issued_tokens == []


@pytest.mark.parametrize("offset", [-360.0, 360.0, -300.001, 1e9])
async def test_timestamps_far_from_the_clock_are_401(
    emu: Emulator, http: aiohttp.ClientSession, wallet: Wallet, offset: float
) -> None:
    status, answer, _ = await login(http, emu, sign_in_body(wallet, START + offset))
    assert status == 401
    assert answer["message"] == "Sign-in timestamp is too far from the server time"
    assert emu.issued_tokens == []


@pytest.mark.parametrize("offset", [-300.0, 300.0, -299.0, 0.0])
async def test_timestamps_within_five_minutes_are_fine(
    emu: Emulator, http: aiohttp.ClientSession, wallet: Wallet, offset: float
) -> None:
    status, _, _ = await login(http, emu, sign_in_body(wallet, START + offset))
    assert status == 201


async def test_the_window_follows_the_wall_clock(
    emu: Emulator, clock: Clock, http: aiohttp.ClientSession, wallet: Wallet
) -> None:
    body = sign_in_body(wallet)
    clock.now += 6 * 60
    assert (await login(http, emu, body))[0] == 401
    clock.now -= 12 * 60
    assert (await login(http, emu, body))[0] == 401
    clock.now = START
    assert (await login(http, emu, body))[0] == 201


@pytest.mark.parametrize(
    ("change", "messages"),
    [
        ({"address": None}, ["address must be a non-empty string"]),
        ({"address": 5}, ["address must be a non-empty string"]),
        ({"signature": ""}, ["signature must be a non-empty string"]),
        ({"timestamp": "1750000000000"}, ["timestamp must be an integer number"]),
        ({"timestamp": 1.75e12}, ["timestamp must be an integer number"]),
        ({"timestamp": True}, ["timestamp must be an integer number"]),
        ({"timestamp": -1}, ["timestamp must not be less than 0"]),
        (
            {"address": [], "signature": {}, "timestamp": None},
            [
                "address must be a non-empty string",
                "signature must be a non-empty string",
                "timestamp must be an integer number",
            ],
        ),
    ],
)
async def test_malformed_fields_are_400(
    emu: Emulator,
    http: aiohttp.ClientSession,
    wallet: Wallet,
    change: dict[str, Any],
    messages: list[str],
) -> None:
    body = {k: v for k, v in {**sign_in_body(wallet), **change}.items() if v is not None}
    status, answer, _ = await login(http, emu, body)
    assert (status, answer) == (
        400,
        {"statusCode": 400, "message": messages, "error": "Bad Request"},
    )


async def test_bodies_that_are_not_objects_are_400(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    assert (await login(http, emu, [1, 2]))[:2] == (
        400,
        {
            "statusCode": 400,
            "message": ["request body must be a JSON object"],
            "error": "Bad Request",
        },
    )
    assert (await login(http, emu, None))[0] == 400
    async with http.post(f"{emu.url}/auth/login", data=b"{not json") as response:
        assert response.status == 400
        assert (await response.json())["message"] == "Unexpected token in JSON body"


async def test_huge_timestamps_are_refused_not_500(
    emu: Emulator, http: aiohttp.ClientSession, wallet: Wallet
) -> None:
    assert (await login(http, emu, dict(sign_in_body(wallet), timestamp=2**64 - 1)))[0] == 401
    assert (await login(http, emu, dict(sign_in_body(wallet), timestamp=10**400)))[0] == 400


# ---------------------------------------------------------------------- using the token


async def test_the_token_works_as_bearer_and_as_cookie(
    emu: Emulator, http: aiohttp.ClientSession, wallet: Wallet
) -> None:
    token = await cookie_token(http, emu, wallet)
    assert await like(http, emu, token) == (
        201,
        {"targetId": DOCS_MINT, "liked": True, "totalLikes": 1},
    )
    assert emu.state.likes[wallet.address] == {DOCS_MINT}
    # The same wallet, another token (in a cookie this time): the same user.
    again = await cookie_token(http, emu, wallet)
    assert await like(http, emu, again, cookie=True) == (
        201,
        {"targetId": DOCS_MINT, "liked": True, "totalLikes": 1},
    )
    async with http.get(
        f"{emu.url}/replies/{DOCS_MINT}", headers={"Cookie": f"auth_token={again}"}
    ) as response:
        assert response.status == 200
    assert set(emu.state.likes) == {wallet.address}
    assert all(r.status == 201 for r in emu.requests_for("like"))


async def test_another_wallet_is_another_user(
    emu: Emulator, http: aiohttp.ClientSession, wallet: Wallet
) -> None:
    other = Wallet.generate()
    await like(http, emu, await cookie_token(http, emu, wallet))
    status, answer = await like(http, emu, await cookie_token(http, emu, other))
    assert (status, answer["totalLikes"]) == (201, 2)
    assert set(emu.state.likes) == {wallet.address, other.address}


async def test_expired_tokens_are_401(
    emu: Emulator, clock: Clock, http: aiohttp.ClientSession, wallet: Wallet
) -> None:
    token = await cookie_token(http, emu, wallet)
    clock.now = START + LIFETIME - 1
    assert (await like(http, emu, token))[0] == 201
    clock.now = START + LIFETIME  # exp itself is already too late: no leeway
    assert await like(http, emu, token) == (401, UNAUTHORIZED)
    assert await like(http, emu, token, cookie=True) == (401, UNAUTHORIZED)
    assert emu.state.likes == {wallet.address: {DOCS_MINT}}
    # A fresh sign-in at the new time works again.
    status, _, response = await login(http, emu, sign_in_body(wallet, clock.now))
    assert status == 201
    assert (await like(http, emu, response.cookies["auth_token"].value))[0] == 201


async def test_revoked_tokens_are_401(
    emu: Emulator, http: aiohttp.ClientSession, wallet: Wallet
) -> None:
    first = await cookie_token(http, emu, wallet)
    second = await cookie_token(http, emu, wallet)
    assert emu.revoke_tokens() == 2
    assert emu.revoke_tokens() == 0
    for token in (first, second):
        assert await like(http, emu, token) == (401, UNAUTHORIZED)
    assert len(emu.issued_tokens) == 2  # revoked tokens stay listed
    fresh = await cookie_token(http, emu, wallet)
    assert (await like(http, emu, fresh))[0] == 201
    assert (await like(http, emu, first))[0] == 401


async def test_revoke_through_the_control_api(
    emu: Emulator, http: aiohttp.ClientSession, wallet: Wallet
) -> None:
    token = await cookie_token(http, emu, wallet)
    async with http.post(f"{emu.url}/_emulator/revoke-tokens") as response:
        assert (response.status, await response.json()) == (200, {"ok": True, "revoked": 1})
    assert await like(http, emu, token) == (401, UNAUTHORIZED)
    assert [r.endpoint for r in emu.requests] == ["login", "like"]  # control calls aren't


async def test_reset_revokes_and_forgets_tokens(
    emu: Emulator, http: aiohttp.ClientSession, wallet: Wallet
) -> None:
    token = await cookie_token(http, emu, wallet)
    emu.reset()
    assert emu.issued_tokens == []
    assert await like(http, emu, token) == (401, UNAUTHORIZED)


async def test_foreign_and_forged_jwts_are_401(
    emu: Emulator, http: aiohttp.ClientSession, wallet: Wallet
) -> None:
    token = await cookie_token(http, emu, wallet)
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = [
        jwt.encode(claims, b"another secret, long enough for HS256 " * 2, algorithm="HS256"),
        jwt.encode(claims, "", algorithm="none"),
        token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB"),  # tampered signature
        jwt.encode({**claims, "exp": claims["exp"] + 9999}, "x" * 64, algorithm="HS256"),
    ]
    for bad in forged:
        assert await like(http, emu, bad) == (401, UNAUTHORIZED), bad
        assert await like(http, emu, bad, cookie=True) == (401, UNAUTHORIZED), bad
    assert emu.state.likes == {}


async def test_another_emulators_tokens_are_401(
    clock: Clock, http: aiohttp.ClientSession, wallet: Wallet
) -> None:
    async with Emulator(wall_clock=clock) as first:
        token = await cookie_token(http, first, wallet)
    async with Emulator(wall_clock=clock) as second:
        assert await like(http, second, token) == (401, UNAUTHORIZED)


async def test_plain_tokens_still_work(emu: Emulator, http: aiohttp.ClientSession) -> None:
    for token in ("user-token", "header.payload.signature-token", "a.b.c", "admin-token"):
        assert (await like(http, emu, token))[0] == 201
        assert DOCS_MINT in emu.state.likes[user_id_for(token)]
    async with http.get(
        f"{emu.url}/reports", headers={"Authorization": "Bearer admin-token"}
    ) as response:
        assert response.status == 200
    async with http.post(f"{emu.url}/likes/{DOCS_MINT}") as response:
        assert (response.status, await response.json()) == (401, UNAUTHORIZED)


async def test_a_wallet_token_is_not_an_admin(
    emu: Emulator, http: aiohttp.ClientSession, wallet: Wallet
) -> None:
    token = await cookie_token(http, emu, wallet)
    async with http.get(
        f"{emu.url}/reports", headers={"Authorization": f"Bearer {token}"}
    ) as response:
        assert response.status == 403


# ---------------------------------------------------------------------- middleware


async def test_login_is_recorded(
    emu: Emulator, http: aiohttp.ClientSession, wallet: Wallet
) -> None:
    body = sign_in_body(wallet)
    await login(http, emu, body)
    await login(http, emu, {})
    [ok, bad] = emu.requests_for("login")
    assert (ok.method, ok.path, ok.status, ok.json()) == ("POST", "/auth/login", 201, body)
    assert bad.status == 400
    async with http.get(f"{emu.url}/_emulator/requests") as response:
        rows = await response.json()
    assert [(r["endpoint"], r["status"]) for r in rows] == [("login", 201), ("login", 400)]


async def test_faults_apply_to_login(
    emu: Emulator, http: aiohttp.ClientSession, wallet: Wallet
) -> None:
    emu.add_fault("login", "status:503")
    status, answer, _ = await login(http, emu, sign_in_body(wallet))
    assert (status, answer["message"]) == (503, "Injected 503")
    assert emu.issued_tokens == []
    assert (await login(http, emu, sign_in_body(wallet)))[0] == 201
    emu.add_fault("POST /auth/*", "status:502")
    assert (await login(http, emu, sign_in_body(wallet)))[0] == 502


async def test_login_is_rate_limited_as_auth(
    emu: Emulator, http: aiohttp.ClientSession, wallet: Wallet
) -> None:
    emu.set_rate_limit("likes", 0, 60)  # another group: no effect on sign-in
    emu.set_rate_limit("auth", 1, 60)
    assert (await login(http, emu, sign_in_body(wallet)))[0] == 201
    status, answer, response = await login(http, emu, sign_in_body(wallet))
    assert status == 429
    assert answer == {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"}
    assert response.headers["Retry-After"] == "60"
    assert len(emu.issued_tokens) == 1


async def test_other_methods_on_login_are_not_routes(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{emu.url}/auth/login") as response:
        assert response.status == 404
        assert (await response.json())["message"] == "Cannot GET /auth/login"
    assert emu.requests[0].endpoint is None


# ---------------------------------------------------------------------- without the extra


async def test_without_the_wallet_extra(
    emu: Emulator, http: aiohttp.ClientSession, wallet: Wallet, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await cookie_token(http, emu, wallet)
    monkeypatch.setitem(sys.modules, "jwt", None)
    status, answer, _ = await login(http, emu, sign_in_body(wallet))
    assert status == 501
    assert "pumpfun-async[wallet]" in answer["message"]
    # Every token is plain now, the issued JWT too.
    assert (await like(http, emu, token))[0] == 201
    assert emu.state.likes == {user_id_for(token): {DOCS_MINT}}
    monkeypatch.undo()
    assert (await like(http, emu, token))[0] == 201
    assert emu.state.likes[wallet.address] == {DOCS_MINT}
