"""RetryPolicy on its own: what is retried, the jittered backoff, and Retry-After."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

import attrs
import pytest

from pumpfun_async import (
    APIError,
    AuthenticationError,
    BadRequestError,
    BlockedError,
    ConnectError,
    NotFoundError,
    PermissionDeniedError,
    PumpFunError,
    RateLimitError,
    RequestTimeoutError,
    RetryPolicy,
    ServerError,
    TransportError,
    ValidationError,
)
from pumpfun_async._responses import parse_retry_after
from pumpfun_async.testing import is_testing, set_testing

LOW = 0.0
HIGH = 0.999999  # just below the top of random.random()'s [0, 1)


def rng_of(value: float) -> Callable[[], float]:
    def rng() -> float:
        return value

    return rng


def ceiling(policy: RetryPolicy, retry: int) -> float:
    return min(policy.max_backoff, policy.initial_backoff * 2.0**retry)


# ------------------------------------------------------------------------------------- backoff


@pytest.mark.parametrize("retry", range(11))
@pytest.mark.parametrize("draw", [LOW, HIGH])
def test_backoff_is_full_jitter_within_the_ceiling(retry: int, draw: float) -> None:
    policy = RetryPolicy()
    top = ceiling(policy, retry)
    wait = policy.backoff(retry, rng=rng_of(draw))
    assert 0.0 <= wait <= top
    assert wait == pytest.approx(draw * top)


def test_backoff_extremes_of_the_draw() -> None:
    policy = RetryPolicy(initial_backoff=0.5, max_backoff=30.0)
    assert [policy.backoff(n, rng=rng_of(LOW)) for n in range(11)] == [0.0] * 11
    high = [policy.backoff(n, rng=rng_of(HIGH)) for n in range(11)]
    assert high[0] == pytest.approx(0.5, rel=1e-5)
    assert high[0] < 0.5
    assert high[-1] == pytest.approx(30.0, rel=1e-5)
    assert high[-1] < 30.0


def test_backoff_ceiling_doubles_until_the_cap() -> None:
    policy = RetryPolicy(initial_backoff=0.5, max_backoff=30.0)
    ceilings = [policy.backoff(n, rng=rng_of(1.0)) for n in range(10)]
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0]


def test_backoff_with_other_scales() -> None:
    policy = RetryPolicy(initial_backoff=0.1, max_backoff=1.0)
    ceilings = [policy.backoff(n, rng=rng_of(1.0)) for n in range(6)]
    assert ceilings == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0, 1.0])


@pytest.mark.parametrize("retry", [63, 64, 65, 1000, 10**6, sys.maxsize, 10**100])
def test_huge_retry_numbers_do_not_overflow(retry: int) -> None:
    policy = RetryPolicy(initial_backoff=0.5, max_backoff=30.0)
    assert policy.backoff(retry, rng=rng_of(1.0)) == 30.0
    wait = policy.backoff(retry, rng=rng_of(HIGH))
    assert math.isfinite(wait)
    assert 0.0 <= wait <= 30.0


@pytest.mark.parametrize(
    ("initial", "cap"), [(0.0, 30.0), (0.5, 0.0), (0.0, 0.0)], ids=["no-scale", "no-cap", "off"]
)
def test_zero_backoff(initial: float, cap: float) -> None:
    policy = RetryPolicy(initial_backoff=initial, max_backoff=cap)
    assert [policy.backoff(n, rng=rng_of(HIGH)) for n in (0, 5, 10**6)] == [0.0, 0.0, 0.0]


def test_backoff_uses_random_by_default() -> None:
    policy = RetryPolicy(initial_backoff=1.0, max_backoff=1.0)
    waits = {policy.backoff(0) for _ in range(50)}
    assert all(0.0 <= w < 1.0 for w in waits)
    assert len(waits) > 1


def test_backoff_calls_the_rng_once() -> None:
    calls: list[None] = []

    def rng() -> float:
        calls.append(None)
        return 0.5

    assert RetryPolicy().backoff(2, rng=rng) == 1.0
    assert len(calls) == 1


# --------------------------------------------------------------------------------------- delay


def test_delay_honours_retry_after() -> None:
    policy = RetryPolicy()
    error = RateLimitError("x", status=429, retry_after=5.0)
    assert policy.delay(0, error, rng=rng_of(HIGH)) == 5.0
    assert policy.delay(7, error, rng=rng_of(LOW)) == 5.0


def test_delay_honours_a_zero_retry_after() -> None:
    error = RateLimitError("x", status=429, retry_after=0.0)
    assert RetryPolicy().delay(3, error, rng=rng_of(HIGH)) == 0.0


def test_delay_gives_up_on_a_retry_after_above_the_cap() -> None:
    policy = RetryPolicy(max_retry_after=120.0)
    assert policy.delay(0, RateLimitError("x", status=429, retry_after=120.5)) is None
    assert policy.delay(0, RateLimitError("x", status=429, retry_after=3600.0)) is None
    assert policy.delay(0, RateLimitError("x", status=429, retry_after=120.0)) == 120.0


def test_delay_with_max_retry_after_zero() -> None:
    policy = RetryPolicy(max_retry_after=0.0)
    assert policy.delay(0, RateLimitError("x", status=429, retry_after=1.0)) is None
    assert policy.delay(0, RateLimitError("x", status=429, retry_after=0.0)) == 0.0


def test_delay_without_retry_after_is_the_backoff() -> None:
    policy = RetryPolicy(initial_backoff=0.5, max_backoff=30.0)
    error = RateLimitError("x", status=429)
    assert error.retry_after is None
    assert policy.delay(0, error, rng=rng_of(HIGH)) == policy.backoff(0, rng=rng_of(HIGH))
    assert policy.delay(3, error, rng=rng_of(1.0)) == 4.0
    assert policy.delay(3, error, rng=rng_of(LOW)) == 0.0


@pytest.mark.parametrize(
    "error",
    [
        ServerError("x", status=503),
        ConnectError("x"),
        RequestTimeoutError("x"),
        TransportError("x"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_delay_for_other_errors_is_the_backoff(error: PumpFunError) -> None:
    policy = RetryPolicy(initial_backoff=0.5, max_backoff=30.0)
    assert policy.delay(4, error, rng=rng_of(1.0)) == 8.0
    assert policy.delay(4, error, rng=rng_of(HIGH)) == policy.backoff(4, rng=rng_of(HIGH))


# -------------------------------------------------------------------------------- should_retry

ALWAYS = [
    ConnectError("x"),
    ConnectError("x", method="POST", path="/replies"),
    RateLimitError("x", status=429),
    RateLimitError("x", status=429, retry_after=5.0),
]
IDEMPOTENT_ONLY = [
    RequestTimeoutError("x"),
    TransportError("x"),
    ServerError("x", status=502),
    ServerError("x", status=503),
    ServerError("x", status=504),
]
NEVER = [
    ServerError("x", status=500),
    ServerError("x", status=501),
    ServerError("x", status=505),
    BadRequestError("x", status=400),
    AuthenticationError("x", status=401),
    PermissionDeniedError("x", status=403),
    NotFoundError("x", status=404),
    BlockedError("x", status=503, kind="blocked"),
    BlockedError("x", status=403, kind="challenge"),
    APIError("x", status=200, code="22P02"),
    APIError("x", status=503),  # a 503 that is not a ServerError
    ValidationError("mint", "x"),
]


def _label(error: PumpFunError) -> str:
    status = getattr(error, "status", None)
    return type(error).__name__ + ("" if status is None else f"-{status}")


@pytest.mark.parametrize("idempotent", [True, False], ids=["idempotent", "non-idempotent"])
@pytest.mark.parametrize("error", ALWAYS, ids=_label)
def test_retried_for_every_operation(error: PumpFunError, idempotent: bool) -> None:
    assert RetryPolicy().should_retry(error, idempotent=idempotent)


@pytest.mark.parametrize("error", IDEMPOTENT_ONLY, ids=_label)
def test_retried_only_when_idempotent(error: PumpFunError) -> None:
    policy = RetryPolicy()
    assert policy.should_retry(error, idempotent=True)
    assert not policy.should_retry(error, idempotent=False)


@pytest.mark.parametrize("idempotent", [True, False], ids=["idempotent", "non-idempotent"])
@pytest.mark.parametrize("error", NEVER, ids=_label)
def test_never_retried(error: PumpFunError, idempotent: bool) -> None:
    assert not RetryPolicy().should_retry(error, idempotent=idempotent)


def test_should_retry_ignores_max_retries() -> None:
    # Counting attempts is the client's job; the policy only classifies the error.
    assert RetryPolicy(max_retries=0).should_retry(ConnectError("x"), idempotent=False)


# ---------------------------------------------------------------------------------- the fields


def test_defaults() -> None:
    policy = RetryPolicy()
    assert (policy.max_retries, policy.initial_backoff) == (3, 0.5)
    assert (policy.max_backoff, policy.max_retry_after) == (30.0, 120.0)


@pytest.mark.parametrize(
    "fields",
    [
        {"max_retries": 0},
        {"max_retries": 100},
        {"initial_backoff": 0},
        {"initial_backoff": 0.001},
        {"max_backoff": 0.0},
        {"max_retry_after": 0},
        {"max_retry_after": 86_400.0},
    ],
)
def test_valid_fields(fields: dict[str, Any]) -> None:
    policy = RetryPolicy(**fields)
    for name, value in fields.items():
        assert getattr(policy, name) == value


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_retries", -1),
        ("max_retries", True),
        ("max_retries", False),
        ("max_retries", 1.5),
        ("max_retries", 3.0),
        ("max_retries", "3"),
        ("max_retries", None),
        ("initial_backoff", -1),
        ("initial_backoff", -0.001),
        ("initial_backoff", math.nan),
        ("initial_backoff", math.inf),
        ("initial_backoff", True),
        ("initial_backoff", "0.5"),
        ("max_backoff", -1.0),
        ("max_backoff", math.nan),
        ("max_backoff", math.inf),
        ("max_retry_after", -5),
        ("max_retry_after", math.nan),
        ("max_retry_after", math.inf),
        ("max_retry_after", None),
    ],
)
def test_invalid_fields(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as info:
        RetryPolicy(**{field: value})
    assert info.value.field == field
    assert isinstance(info.value, ValueError)
    with pytest.raises(ValidationError):
        attrs.evolve(RetryPolicy(), **{field: value})


def test_policy_is_frozen_and_hashable() -> None:
    policy = RetryPolicy()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        policy.max_retries = 5  # type: ignore[misc]
    assert policy == RetryPolicy()
    assert hash(policy) == hash(RetryPolicy())
    assert attrs.evolve(policy, max_retries=5).max_retries == 5


# ------------------------------------------------------------------------------- Retry-After


def test_parse_retry_after_http_date_with_injected_now() -> None:
    # 2024-02-29T12:00:00Z, asked for 90 s earlier.
    assert parse_retry_after("Thu, 29 Feb 2024 12:00:00 GMT", now=1709208000.0 - 90) == 90.0


@pytest.mark.parametrize(
    "value",
    [
        "Wed, 21 Oct 99999999999 07:28:00 GMT",  # past datetime's last year
        "Wed, 21 Oct 2015 07:28:00 +99999999999999999999",  # an offset no int holds
        "Wed, 21 Oct 2015 07:28:00 +9999",  # an offset of 99 hours
        "Fri, 31 Dec 9999 23:59:59 -2359",  # past the last representable instant
        "1e400",
        "-1e400",
        "nan",
        "9" * 5000,
        "\x00",
        "Wed, 21 Oct",
    ],
)
def test_unreadable_retry_after_is_absent_or_a_finite_wait(value: str) -> None:
    wait = parse_retry_after(value)
    assert wait is None or (math.isfinite(wait) and wait >= 0)


def test_a_retry_after_date_beyond_datetime_is_treated_as_absent() -> None:
    assert parse_retry_after("Wed, 21 Oct 99999999999 07:28:00 GMT") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 +99999999999999999999") is None


# ------------------------------------------------------------------------------ testing switch


def test_testing_is_off_by_default() -> None:
    assert is_testing() is False
    error = RateLimitError("x", status=429, retry_after=5.0)
    assert RetryPolicy().delay(0, error) == 5.0


@pytest.mark.parametrize(
    "error",
    [
        ServerError("x", status=503),
        ConnectError("x"),
        RequestTimeoutError("x"),
        RateLimitError("x", status=429),
        RateLimitError("x", status=429, retry_after=5.0),
        RateLimitError("x", status=429, retry_after=120.0),
    ],
    ids=lambda e: f"{type(e).__name__}-{getattr(e, 'retry_after', None)}",
)
def test_testing_waits_zero_seconds(error: PumpFunError) -> None:
    policy = RetryPolicy(initial_backoff=0.5, max_backoff=30.0)
    waits = [policy.delay(4, error, rng=rng_of(1.0))]
    with set_testing():
        assert is_testing() is True
        waits.append(policy.delay(4, error, rng=rng_of(1.0)))
    waits.append(policy.delay(4, error, rng=rng_of(1.0)))
    assert waits[1] == 0.0
    assert waits[0] == waits[2]
    assert waits[0] is not None
    assert waits[0] > 0


def test_testing_still_gives_up_on_a_retry_after_above_the_cap() -> None:
    with set_testing():
        assert RetryPolicy().delay(0, RateLimitError("x", status=429, retry_after=121.0)) is None


def test_testing_leaves_what_is_retried_alone() -> None:
    policy = RetryPolicy()
    with set_testing():
        assert policy.should_retry(ServerError("x", status=503), idempotent=True)
        assert not policy.should_retry(ServerError("x", status=503), idempotent=False)
        assert not policy.should_retry(BadRequestError("x", status=400), idempotent=True)


def test_set_testing_without_with_stays_until_turned_off() -> None:
    try:
        set_testing()
        assert is_testing() is True
        set_testing(True)
        assert is_testing() is True
    finally:
        set_testing(False)
    assert is_testing() is False


def test_set_testing_context_restores_the_previous_value() -> None:
    with set_testing(True):
        with set_testing(False):
            assert is_testing() is False
        assert is_testing() is True
        with pytest.raises(KeyError), set_testing(False):
            raise KeyError("x")
        assert is_testing() is True  # restored on the way out of an error too
    assert is_testing() is False


@pytest.mark.parametrize("value", [1, 0, None, "yes"])
def test_set_testing_wants_a_bool(value: Any) -> None:
    with pytest.raises(ValidationError, match="on"):
        set_testing(value)
    assert is_testing() is False


def test_set_testing_context_repr_names_what_it_restores() -> None:
    assert repr(set_testing(False)) == "<set_testing context, restores testing=False>"
