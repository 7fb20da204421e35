"""Decoding JSON into models: pumpfun_async against pydantic v2 and msgspec, same bytes.

Usage::

    python benchmarks/bench_decode.py [--quick] [--output PATH]

Two payloads are built once, deterministically, in the shapes the API sends (the
emulator's, in ``pumpfun_async.testing``): a ``GET /replies/{mint}`` page of 1,000 replies
(``{"replies": [...], "hasMore": true, "offset": 0}``) and a list of 1,000 coins with every
coin field. Each library turns the same ``bytes`` into its models:

* pumpfun_async: exactly what the client does with a response body, ``orjson.loads`` then
  ``structure_replies_page(data, offset=0, limit=1000)`` or ``structure_coins(data)``
  (frozen attrs classes, built by ``msgspec.convert`` from the parsed objects when their
  values are well typed, by the SDK's lenient cattrs converter otherwise, each keeping its
  ``raw`` payload);
* pydantic v2: frozen ``BaseModel`` classes with the same fields, types and defaults as
  the SDK's models (wire names, ``hasMore`` as an alias), unknown keys ignored, in the
  default lax mode, through ``RepliesPage.model_validate_json(bytes)`` and
  ``TypeAdapter(list[Coin]).validate_json(bytes)``;
* msgspec: frozen ``Struct`` classes with the same fields, types and defaults (``hasMore``
  renamed), unknown keys ignored, ``strict=False`` so that it coerces as the other two do,
  through ``msgspec.json.Decoder(type, strict=False).decode(bytes)`` (what
  ``msgspec.json.decode(bytes, type=..., strict=False)`` does, with the decoder kept).

Before timing, the three results are checked to hold the same values. Every decoder is
warmed up, then each round times every library on both payloads, one decode per sample,
the libraries taking turns in a rotating order so that machine noise hits them all alike.
The garbage collector stays on (the objects a decode leaves behind are part of its cost)
but is emptied before each batch. Best and median are over all samples. Nothing is
asserted: the section says whether the target was met. ``run_all.py`` puts it in
``benchmarks/RESULTS.md``; run alone, it prints it (and writes it to ``--output`` if given).
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

try:
    import msgspec
    import pydantic
except ImportError:  # pragma: no cover - the bench extra installs them
    sys.exit("pydantic and msgspec are not installed: pip install -e '.[bench]'")

import orjson
from _common import Chart, Goal, Section, standalone, version

from pumpfun_async import _convert
from pumpfun_async.models import Coin, Reply
from pumpfun_async.testing._catalogue import default_coins

N = 1_000  # replies per page, coins per list
WARMUP = 5  # decodes per library and payload before timing
SDK = "pumpfun_async"
PYDANTIC = "pydantic v2"
MSGSPEC = "msgspec"
FLOOR = "msgspec into the SDK's attrs classes"
LIBRARIES = (SDK, PYDANTIC, MSGSPEC, FLOOR)
REPLIES = "replies"
COINS = "coins"
PAYLOADS = (REPLIES, COINS)
TARGET = 0.5  # the SDK's total time over pydantic's, at most
MSGSPEC_TARGET = 1.5  # the SDK's total time over msgspec's, at most


# ------------------------------------------------------------------------------- payloads

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_WORDS = (
    "gm", "wen", "moon", "ser", "this", "is", "the", "one", "dev", "based", "lfg", "chart",
    "looks", "healthy", "buying", "more", "holding", "rug?", "no", "way", "send", "it",
    "community", "takeover", "diamond", "hands", "100x", "early", "ngmi", "wagmi",
)  # fmt: skip


def _address(rng: random.Random, suffix: str = "") -> str:
    return "".join(rng.choice(_B58) for _ in range(44 - len(suffix))) + suffix


def replies_payload(rng: random.Random) -> bytes:
    """A ``GET /replies/{mint}`` page of ``N`` replies, as the API (and emulator) send it."""
    mint = _address(rng, "pump")
    users = [_address(rng) for _ in range(60)]
    started = 1_714_557_600_000
    replies = []
    for index in range(N):
        reply_id = 9_000_000 + index
        words = rng.choices(_WORDS, k=rng.randint(3, 24))
        if index > 0 and rng.random() < 0.2:
            words.insert(0, f"#{reply_id - rng.randint(1, min(index, 50))}")
        named = rng.random() < 0.4
        reply: dict[str, Any] = {
            "id": reply_id,
            "mint": mint,
            "file_uri": (f"https://ipfs.io/ipfs/Qm{_address(rng)}" if rng.random() < 0.1 else None),
            "text": " ".join(words),
            "user": rng.choice(users),
            "timestamp": started + index * rng.randint(1_000, 90_000),
            "total_likes": rng.choice((0, 0, 0, 1, 2, 5, 17)),
            "hidden": False,
            "username": f"degen{rng.randint(1, 9999)}" if named else None,
            "profile_image": f"https://ipfs.io/ipfs/Qm{_address(rng)}" if named else None,
            "liked_by_user": rng.random() < 0.05,
        }
        if rng.random() < 0.3:
            reply["is_buy"] = True
            reply["sol_amount"] = round(rng.uniform(0.01, 5.0), 4)
        replies.append(reply)
    return orjson.dumps({"replies": replies, "hasMore": True, "offset": 0})


def coins_payload(rng: random.Random) -> bytes:
    """A list of ``N`` coins with every field the API sends, as the emulator's catalogue."""
    templates = default_coins()
    coins = []
    for index in range(N):
        coin = dict(templates[index % len(templates)])
        created = coin["created_timestamp"] + index * 61_000
        usd = round(rng.uniform(1_000.0, 250_000.0), 2)
        coin.update(
            mint=_address(rng, "pump"),
            name=f"{coin['name']} {index}",
            symbol=f"{coin['symbol']}{index}",
            creator=_address(rng),
            bonding_curve=_address(rng),
            associated_bonding_curve=_address(rng),
            twitter=f"https://x.com/coin{index}" if rng.random() < 0.5 else None,
            website=f"https://coin{index}.example" if rng.random() < 0.3 else None,
            created_timestamp=created,
            last_trade_timestamp=created + rng.randint(1_000, 10_000_000),
            last_reply=created + rng.randint(1_000, 10_000_000),
            market_cap=round(usd / 150.0, 4),
            usd_market_cap=usd,
            reply_count=rng.randint(0, 500),
            updated_at=created // 1000,
        )
        coins.append(coin)
    return orjson.dumps(coins)


# --------------------------------------------------------------------------------- pydantic


class PydanticReply(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="ignore")

    id: int
    mint: str
    text: str
    user: str | None = None
    timestamp: int | None = None
    file_uri: str | None = None
    total_likes: int = 0
    hidden: bool = False
    username: str | None = None
    profile_image: str | None = None
    liked_by_user: bool | None = None
    is_buy: bool | None = None
    sol_amount: float | None = None


class PydanticRepliesPage(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    replies: list[PydanticReply] = []
    has_more: bool = pydantic.Field(False, alias="hasMore")
    offset: int = 0


class PydanticCoin(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="ignore")

    mint: str
    name: str | None = None
    symbol: str | None = None
    description: str | None = None
    image_uri: str | None = None
    metadata_uri: str | None = None
    twitter: str | None = None
    telegram: str | None = None
    website: str | None = None
    creator: str | None = None
    bonding_curve: str | None = None
    associated_bonding_curve: str | None = None
    raydium_pool: str | None = None
    complete: bool | None = None
    virtual_sol_reserves: int | None = None
    virtual_token_reserves: int | None = None
    real_sol_reserves: int | None = None
    real_token_reserves: int | None = None
    total_supply: int | None = None
    created_timestamp: int | None = None
    last_trade_timestamp: int | None = None
    king_of_the_hill_timestamp: int | None = None
    last_reply: int | None = None
    market_cap: float | None = None
    usd_market_cap: float | None = None
    reply_count: int | None = None
    nsfw: bool | None = None
    is_banned: bool | None = None
    is_currently_live: bool | None = None
    hidden: bool | None = None
    show_name: bool | None = None
    video_uri: str | None = None
    banner_uri: str | None = None
    program: str | None = None
    updated_at: int | None = None


_pydantic_coins = pydantic.TypeAdapter(list[PydanticCoin])


# ---------------------------------------------------------------------------------- msgspec


class MsgspecReply(msgspec.Struct, frozen=True):
    id: int
    mint: str
    text: str
    user: str | None = None
    timestamp: int | None = None
    file_uri: str | None = None
    total_likes: int = 0
    hidden: bool = False
    username: str | None = None
    profile_image: str | None = None
    liked_by_user: bool | None = None
    is_buy: bool | None = None
    sol_amount: float | None = None


class MsgspecRepliesPage(msgspec.Struct, frozen=True):
    replies: list[MsgspecReply] = []
    has_more: bool = msgspec.field(default=False, name="hasMore")
    offset: int = 0


class MsgspecCoin(msgspec.Struct, frozen=True):
    mint: str
    name: str | None = None
    symbol: str | None = None
    description: str | None = None
    image_uri: str | None = None
    metadata_uri: str | None = None
    twitter: str | None = None
    telegram: str | None = None
    website: str | None = None
    creator: str | None = None
    bonding_curve: str | None = None
    associated_bonding_curve: str | None = None
    raydium_pool: str | None = None
    complete: bool | None = None
    virtual_sol_reserves: int | None = None
    virtual_token_reserves: int | None = None
    real_sol_reserves: int | None = None
    real_token_reserves: int | None = None
    total_supply: int | None = None
    created_timestamp: int | None = None
    last_trade_timestamp: int | None = None
    king_of_the_hill_timestamp: int | None = None
    last_reply: int | None = None
    market_cap: float | None = None
    usd_market_cap: float | None = None
    reply_count: int | None = None
    nsfw: bool | None = None
    is_banned: bool | None = None
    is_currently_live: bool | None = None
    hidden: bool | None = None
    show_name: bool | None = None
    video_uri: str | None = None
    banner_uri: str | None = None
    program: str | None = None
    updated_at: int | None = None


_msgspec_page = msgspec.json.Decoder(MsgspecRepliesPage, strict=False)
_msgspec_coins = msgspec.json.Decoder(list[MsgspecCoin], strict=False)


class FloorRepliesPage(msgspec.Struct, frozen=True):
    """A page whose replies are the SDK's own attrs ``Reply``: what msgspec alone costs."""

    replies: list[Reply] = []
    has_more: bool = msgspec.field(default=False, name="hasMore")
    offset: int = 0


# The least any decoder that builds the SDK's attrs classes can cost: msgspec straight from
# the bytes, with nothing kept in ``raw`` and no fallback for values that need fixing.
_floor_page = msgspec.json.Decoder(FloorRepliesPage, strict=False)
_floor_coins = msgspec.json.Decoder(list[Coin], strict=False)


# --------------------------------------------------------------------------------- decoders

Decode = Callable[[bytes], Any]

DECODERS: dict[str, dict[str, Decode]] = {
    SDK: {
        REPLIES: lambda body: _convert.structure_replies_page(
            orjson.loads(body), offset=0, limit=N
        ),
        COINS: lambda body: _convert.structure_coins(orjson.loads(body)),
    },
    PYDANTIC: {
        REPLIES: PydanticRepliesPage.model_validate_json,
        COINS: _pydantic_coins.validate_json,
    },
    MSGSPEC: {
        REPLIES: _msgspec_page.decode,
        COINS: _msgspec_coins.decode,
    },
    FLOOR: {
        REPLIES: _floor_page.decode,
        COINS: _floor_coins.decode,
    },
}
HOW = {
    SDK: "`orjson.loads`, then `structure_replies_page` / `structure_coins`, as the client",
    PYDANTIC: "`RepliesPage.model_validate_json` / `TypeAdapter(list[Coin]).validate_json`",
    MSGSPEC: "`msgspec.json.Decoder(type, strict=False).decode`",
    FLOOR: "the same decoder, building the SDK's frozen attrs `Reply` / `Coin` (no `raw`)",
}

_REPLY_FIELDS = tuple(name for name in PydanticReply.model_fields)
_COIN_FIELDS = tuple(name for name in PydanticCoin.model_fields)


def _values(decoded: Any, payload: str) -> list[tuple[Any, ...]]:
    if payload == REPLIES:
        head = [(decoded.has_more, decoded.offset)]
        return head + [tuple(getattr(r, f) for f in _REPLY_FIELDS) for r in decoded.replies]
    return [tuple(getattr(c, f) for f in _COIN_FIELDS) for c in decoded]


def check_same(bodies: dict[str, bytes]) -> None:
    """Make sure every library decodes each payload to the same values (else the race is off)."""
    for payload, body in bodies.items():
        expected = _values(DECODERS[SDK][payload](body), payload)
        if len(expected) < N:
            raise RuntimeError(f"the SDK decoded fewer than {N} {payload}")
        for name in LIBRARIES[1:]:
            if _values(DECODERS[name][payload](body), payload) != expected:
                raise RuntimeError(f"{name} and {SDK} decode the {payload} payload differently")


# ----------------------------------------------------------------------------------- timing


def time_calls(decode: Decode, body: bytes, n: int) -> list[float]:
    """Seconds taken by each of ``n`` decodes of ``body``, one after another."""
    gc.collect()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        decode(body)
        samples.append(time.perf_counter() - started)
    return samples


def run(bodies: dict[str, bytes], rounds: int, n: int) -> dict[str, dict[str, list[float]]]:
    """Every library's samples per payload, over ``rounds`` rotating rounds of ``n`` each."""
    for name in LIBRARIES:
        for payload in PAYLOADS:
            for _ in range(WARMUP):
                DECODERS[name][payload](bodies[payload])
    samples: dict[str, dict[str, list[float]]] = {
        name: {payload: [] for payload in PAYLOADS} for name in LIBRARIES
    }
    for round_no in range(rounds):
        shift = round_no % len(LIBRARIES)
        for name in LIBRARIES[shift:] + LIBRARIES[:shift]:
            for payload in PAYLOADS:
                decode = DECODERS[name][payload]
                samples[name][payload] += time_calls(decode, bodies[payload], n)
    return samples


@dataclass
class Stats:
    best: float  # seconds
    median: float  # seconds

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        return cls(min(samples), statistics.median(samples))


# ----------------------------------------------------------------------------------- report


def report(
    samples: dict[str, dict[str, list[float]]],
    bodies: dict[str, bytes],
    *,
    rounds: int,
    n: int,
    quick: bool,
) -> Section:
    ms = 1e3
    stats = {
        name: {payload: Stats.of(samples[name][payload]) for payload in PAYLOADS}
        for name in LIBRARIES
    }
    total = {name: sum(stats[name][p].median for p in PAYLOADS) for name in LIBRARIES}
    best = {name: sum(stats[name][p].best for p in PAYLOADS) for name in LIBRARIES}
    ratio = total[SDK] / total[PYDANTIC]
    vs_msgspec = total[SDK] / total[MSGSPEC]
    floor = total[FLOOR] / total[MSGSPEC]
    versions = ", ".join(
        f"{name} {version(name)}" for name in ("pydantic", "msgspec", "cattrs", "attrs", "orjson")
    )
    sizes = ", ".join(f"{payload} {len(bodies[payload]) / 1024:,.0f} KiB" for payload in PAYLOADS)
    lines = [
        "## Decoding: 1,000 replies and 1,000 coins into models",
        "",
        f"- pumpfun_async {version('pumpfun-async')}, {versions}",
        f"- Mode: {'quick' if quick else 'full'}; {WARMUP} warm-up decodes per library and "
        f"payload, then {rounds} rounds of {n} decodes each, the libraries taking turns in a "
        f"rotating order ({rounds * n} samples per library and payload)",
        f"- Payloads (the same bytes for everyone): a `GET /replies/{{mint}}` page of {N:,} "
        f"replies and a list of {N:,} coins with all their fields; {sizes}",
        "",
    ]
    for payload, what in ((REPLIES, "Replies page"), (COINS, "Coins list")):
        base = stats[PYDANTIC][payload]
        lines += [
            f"### {what} ({N:,} {payload})",
            "",
            "| Library | How it decodes | Best (ms/page) | Median (ms/page) "
            "| Median vs pydantic v2 | Best vs pydantic v2 |",
            "|---|---|--:|--:|--:|--:|",
        ]
        for name in LIBRARIES:
            s = stats[name][payload]
            lines.append(
                f"| {name} | {HOW[name]} | {s.best * ms:.2f} | {s.median * ms:.2f} "
                f"| {s.median / base.median:.2f}x | {s.best / base.best:.2f}x |"
            )
        lines.append("")
    lines += [
        "| Target | Result | Met |",
        "|---|--:|---|",
        f"| pumpfun_async vs pydantic v2, replies + coins (sum of medians) at {TARGET:.2f}x "
        f"or less | {ratio:.2f}x | {'yes' if ratio <= TARGET else 'NO'} |",
        f"| pumpfun_async vs msgspec, replies + coins (sum of medians) at "
        f"{MSGSPEC_TARGET:.2f}x or less | {vs_msgspec:.2f}x "
        f"| {'yes' if vs_msgspec <= MSGSPEC_TARGET else 'NO'} |",
        f"| The same with the best decodes instead (sum of bests), for comparison "
        f"| {best[SDK] / best[PYDANTIC]:.2f}x | — |",
        f"| msgspec building the SDK's attrs classes (no `raw`, no fallback) vs msgspec's own "
        f"Structs: the floor for attrs models | {floor:.2f}x | — |",
        "",
        "The models match field for field: the SDK's frozen attrs classes, and frozen pydantic "
        "and msgspec classes with the same names, types and defaults. The SDK's time includes "
        "`orjson.loads` (the client parses every body before it knows its shape) and keeps each "
        "object's JSON in `raw`; pydantic and msgspec parse and validate in one pass and keep "
        "nothing else. All three ignore unknown keys and coerce lax values (numbers as strings); "
        "here every value already has its field's type, so none needs converting (msgspec "
        "builds the SDK's models; its cattrs hooks would take over for a value that needs "
        "fixing). "
        f"The fourth row is msgspec decoding the same bytes straight into the SDK's attrs "
        f"classes, keeping nothing in `raw` and fixing no value: no decoder that builds attrs "
        f"models can be faster, so its {floor:.2f}x of msgspec's Structs bounds what the "
        f"msgspec target can reach while the models stay attrs classes. "
        "The median is the typical decode, the best the fastest one; the target is on medians, "
        "and a wide gap between a library's two means its decodes vary from call to call.",
        "",
        "Lower is faster. Timings vary between machines and runs; compare the ratios, and only "
        "within one run.",
        "",
    ]
    return Section(
        title="Decoding",
        markdown="\n".join(lines),
        goals=[
            Goal(
                f"Decoding vs pydantic v2 (replies + coins) at {TARGET:.2f}x or less",
                f"{ratio:.2f}x",
                ratio <= TARGET,
            ),
            *(
                Goal(
                    f"Decoding vs pydantic v2, {payload} alone (medians)",
                    f"{stats[SDK][payload].median / stats[PYDANTIC][payload].median:.2f}x",
                    None,
                )
                for payload in PAYLOADS
            ),
            Goal(
                f"Decoding vs msgspec (replies + coins) at {MSGSPEC_TARGET:.2f}x or less",
                f"{vs_msgspec:.2f}x",
                vs_msgspec <= MSGSPEC_TARGET,
            ),
            Goal(
                "The floor for attrs models: msgspec into the SDK's classes vs msgspec Structs",
                f"{floor:.2f}x",
                None,
            ),
        ],
        charts=[
            Chart(
                f"Decoding {N:,} replies + {N:,} coins (median)",
                "ms",
                {name: total[name] * ms for name in LIBRARIES},
            )
        ],
    )


def measure(quick: bool) -> Section:
    """Run the decoding benchmark and describe it."""
    rng = random.Random(20240501)
    bodies = {REPLIES: replies_payload(rng), COINS: coins_payload(rng)}
    check_same(bodies)
    rounds, n = (2, 5) if quick else (5, 40)
    samples = run(bodies, rounds, n)
    return report(samples, bodies, rounds=rounds, n=n, quick=quick)


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone."""
    return standalone(measure, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
