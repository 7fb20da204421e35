"""The coins an emulator starts with: the docs' example mint and a spread of others."""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

from pumpfun_async._extras import require

__all__ = ["DOCS_MINT", "MAX_GENERATED_COINS", "default_coins", "generated_coins"]

MAX_GENERATED_COINS = 100_000
"""The most coins :func:`generated_coins` makes in one call."""

DOCS_MINT = "CxLHsqvjfisgPAGwcZJsTn6nzZXJLxmVYM7v9pump"
"""The mint the pump.fun API docs use in every example."""

# (mint, name, symbol, usd market cap, complete, nsfw, live, creator)
_ROWS: tuple[tuple[str, str, str, float, bool, bool, bool, str], ...] = (
    (DOCS_MINT, "Docs Example", "DOCS", 6234.5, False, False, True, "BjvFBnUZSNTDPM6oQ2NcWVn2RNagKZ58sFy76HJ3zrCJ"),
    ("MASi45ub7Qe4ZE36UT5G6cU4ud8Fhhe4deS4F3cwpump", "Moon Cat", "MCAT", 48211.0, False, False, False, "q9uUwkuHSAbZdYmM6J4tmCUz5J2h6tH6fwF5Hx8W1NcT"),
    ("9KTAb8dLcukC7edhDQ7cn5d4gEYkbUrMWeWQLGsCpump", "Gigachad Frog", "GFROG", 5120.75, False, False, False, "Jg93anG8BH4CDLhLaqEKVZkCJPt2H312oZcDZXGV7jui"),
    ("mrG6dLaYyNoVKf58ZTBqNAYT3j5qcdsyuMNmPfYepump", "Solana Summer", "SUMMER", 91000.0, True, False, False, "BjvFBnUZSNTDPM6oQ2NcWVn2RNagKZ58sFy76HJ3zrCJ"),
    ("tW5v6JXmj54omLidkuVKnRyjP2WPBg8Y4ErK9pGSpump", "Dog With Hat", "DWH", 15432.1, False, False, True, "q9uUwkuHSAbZdYmM6J4tmCUz5J2h6tH6fwF5Hx8W1NcT"),
    ("SxY6BVScJy9uUxcJnTPkyRFA6CAFjF1YveCHK1ATpump", "Night Owl", "OWL", 3999.0, False, True, False, "Jg93anG8BH4CDLhLaqEKVZkCJPt2H312oZcDZXGV7jui"),
    ("bQgdM9mwZgikp4WzxrxktcSSSS7XhS4D5EVB8Nf4pump", "Pixel Pepe", "PPEPE", 7311.4, False, False, False, "BjvFBnUZSNTDPM6oQ2NcWVn2RNagKZ58sFy76HJ3zrCJ"),
    ("71dAb7Qg25xEgRAhHPfQX88wYWXXL6A7pNpHXvmBpump", "Retro Arcade", "ARCADE", 2210.0, False, False, False, "q9uUwkuHSAbZdYmM6J4tmCUz5J2h6tH6fwF5Hx8W1NcT"),
    ("a2EaQAmb2qaLix6mwHaQBPrFbbrZNhFgtsqwDtGupump", "Based Banana", "BANANA", 120500.0, True, False, False, "Jg93anG8BH4CDLhLaqEKVZkCJPt2H312oZcDZXGV7jui"),
    ("SptFDaYPo22sJXHDmfPVtoPQ6F7FXDNEXgzgv1Xipump", "Laser Eyes", "LASER", 5501.9, False, False, False, "BjvFBnUZSNTDPM6oQ2NcWVn2RNagKZ58sFy76HJ3zrCJ"),
    ("Pti6vj8RsnqDXyCUshN6toSWSp6oBB92AezWtiAgpump", "After Hours", "AFTER", 4120.0, False, True, False, "q9uUwkuHSAbZdYmM6J4tmCUz5J2h6tH6fwF5Hx8W1NcT"),
    ("ufXjPAcc921toi7ap9UxDuxE2HEKZGqeMHbTv94ppump", "Tiny Whale", "TWHALE", 8800.0, False, False, True, "Jg93anG8BH4CDLhLaqEKVZkCJPt2H312oZcDZXGV7jui"),
    ("PzWjeuzaTuyZ9bAaZ2xVrCf1rtACAXgo8c4Mkaacpump", "Quantum Goose", "QGOOSE", 1999.5, False, False, False, "BjvFBnUZSNTDPM6oQ2NcWVn2RNagKZ58sFy76HJ3zrCJ"),
    ("Xsr7yc4GDJ3r7ZVc2qz5VMgZfZDmJVZbtXZGmayypump", "Wen Lambo", "WEN", 30999.0, False, False, False, "q9uUwkuHSAbZdYmM6J4tmCUz5J2h6tH6fwF5Hx8W1NcT"),
    ("HczDvV9T8SVM5jGU5EjLs8zrAnijQAHy9WFp7SyYpump", "Honest Dev", "HONEST", 950.0, False, False, False, "Jg93anG8BH4CDLhLaqEKVZkCJPt2H312oZcDZXGV7jui"),
)  # fmt: skip

_SOL_USD = 150.0
_CREATED_MS = 1_714_557_600_000  # 2024-05-01T10:00:00Z


def default_coins() -> list[dict[str, Any]]:
    """Fresh copies of the catalogue, shaped like the API's coin objects."""
    return [_coin(index, *row) for index, row in enumerate(_ROWS)]


def generated_coins(count: int) -> list[dict[str, Any]]:
    """``count`` made-up coins beyond the catalogue, the same ones on every call.

    Coin ``n`` (from 1) is named "Generated Coin n" (symbol ``GENn``); the first ``k`` of
    ``generated_coins(n)`` are ``generated_coins(k)``. Each mint is a real 32-byte base58
    key ending in ``pump``, like pump.fun's, derived from ``n`` by SHA-256, so it passes any
    mint check and never clashes with the catalogue.

    Needs the ``base58`` package (in the ``wallet`` extra): the emulator itself does not,
    and a mint is worth getting right rather than approximating.

    Raises:
        ValueError: ``count`` is not a whole number from 0 to :data:`MAX_GENERATED_COINS`.
        ImportError: ``base58`` is not installed (and ``count`` is not 0).
    """
    if isinstance(count, bool) or not isinstance(count, int):
        raise ValueError(f"count must be a whole number, not {type(count).__name__}")
    if not 0 <= count <= MAX_GENERATED_COINS:
        raise ValueError(f"count must be from 0 to {MAX_GENERATED_COINS:,}, not {count:,}")
    if not count:
        return []
    require("generating coins", "wallet", "base58")
    import base58

    taken = {row[0] for row in _ROWS}
    coins = []
    for number in range(1, count + 1):
        for attempt in itertools.count():
            digest = hashlib.sha256(f"pumpfun-emulator-coin:{number}:{attempt}".encode()).digest()
            mint = base58.b58encode(digest).decode()[:-4] + "pump"
            # The new ending can, rarely, push the number past 32 bytes: then try the next.
            if len(base58.b58decode(mint)) == 32 and mint not in taken:
                break
        taken.add(mint)
        usd = 1000.0 + (number * 7919) % 99_000
        creator = _ROWS[number % len(_ROWS)][7]
        row = (mint, f"Generated Coin {number}", f"GEN{number}", usd, False, False, False, creator)
        coins.append(_coin(len(_ROWS) + number - 1, *row))
    return coins


def _coin(
    index: int,
    mint: str,
    name: str,
    symbol: str,
    usd: float,
    complete: bool,
    nsfw: bool,
    live: bool,
    creator: str,
) -> dict[str, Any]:
    """A coin object with every field the API sends; ``index`` spreads the numbers out."""
    created = _CREATED_MS + index * 3_600_000
    # The reserves shrink with the index; modulo keeps them positive for large indexes.
    step = index % 50
    return {
        "mint": mint,
        "name": name,
        "symbol": symbol,
        "description": f"{name} on pump.fun",
        "image_uri": f"https://ipfs.io/ipfs/Qm{symbol}image",
        "metadata_uri": f"https://ipfs.io/ipfs/Qm{symbol}meta",
        "twitter": None,
        "telegram": None,
        "website": None,
        "creator": creator,
        "bonding_curve": None,
        "associated_bonding_curve": None,
        "raydium_pool": None,
        "complete": complete,
        "virtual_sol_reserves": 30_000_000_000 + step * 1_000_000_000,
        "virtual_token_reserves": 1_073_000_000_000_000 - step * 10_000_000_000_000,
        "real_sol_reserves": step * 1_000_000_000,
        "real_token_reserves": 793_100_000_000_000 - step * 10_000_000_000_000,
        "total_supply": 1_000_000_000_000_000,
        "created_timestamp": created,
        "last_trade_timestamp": created + 60_000,
        "king_of_the_hill_timestamp": created + 120_000 if complete else None,
        "last_reply": None,
        "market_cap": round(usd / _SOL_USD, 4),
        "usd_market_cap": usd,
        "reply_count": 0,
        "nsfw": nsfw,
        "is_banned": False,
        "is_currently_live": live,
        "hidden": None,
        "show_name": True,
        "video_uri": None,
        "banner_uri": None,
        "program": None,
        "updated_at": created // 1000,
    }
