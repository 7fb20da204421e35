"""``pumpfun login`` and ``pumpfun logout``: a wallet sign-in whose token later commands use.

Tokens are kept per API root in ``credentials.json`` in the user's config directory
(``platformdirs.user_config_dir("pumpfun")``, or ``$PUMPFUN_CONFIG_DIR``), readable by its
owner only. A command uses the stored token for its ``--base-url`` when neither ``--token``
nor ``$PUMPFUN_TOKEN`` gives one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

import orjson

from pumpfun_async._auth import token_expiry
from pumpfun_async._options import base_url_option as _check_base_url

__all__ = [
    "add_login_commands",
    "config_dir",
    "credentials_path",
    "forget_token",
    "store_token",
    "stored_token",
]

_FILE = "credentials.json"


def config_dir() -> Path:
    """Where the command line keeps its files: ``$PUMPFUN_CONFIG_DIR`` or the platform's own."""
    override = os.environ.get("PUMPFUN_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("pumpfun", appauthor=False))


def credentials_path() -> Path:
    """The stored-tokens file."""
    return config_dir() / _FILE


def _load() -> dict[str, Any]:
    path = credentials_path()
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, orjson.JSONDecodeError):
        # Unreadable or damaged: as if nothing were stored (login writes it afresh).
        return {}
    tokens = data.get("tokens") if isinstance(data, dict) else None
    return tokens if isinstance(tokens, dict) else {}


def _save(tokens: dict[str, Any]) -> Path:
    path = credentials_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    payload = orjson.dumps({"tokens": tokens}, option=orjson.OPT_INDENT_2)
    # Written to a private temporary file, then renamed over: never readable by others,
    # never half-written.
    fd, temporary = tempfile.mkstemp(prefix=".credentials-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            if hasattr(os, "fchmod"):
                os.fchmod(file.fileno(), 0o600)
            file.write(payload)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return path


def stored_token(base_url: str | None) -> str | None:
    """The token ``pumpfun login`` stored for this API root (``None``: the default root)."""
    entry = _load().get(_check_base_url(base_url))
    token = entry.get("token") if isinstance(entry, dict) else None
    return token if isinstance(token, str) and token else None


def store_token(base_url: str | None, token: str, address: str) -> Path:
    """Keep ``token`` (signed in as ``address``) for this API root; returns the file."""
    tokens = _load()
    tokens[_check_base_url(base_url)] = {"token": token, "address": address}
    return _save(tokens)


def forget_token(base_url: str | None, *, everywhere: bool = False) -> bool:
    """Remove the stored token for this API root (or all of them); whether one was there."""
    tokens = _load()
    if everywhere:
        found = bool(tokens)
        tokens = {}
    else:
        found = tokens.pop(_check_base_url(base_url), None) is not None
    if found:
        _save(tokens)
    return found


def add_login_commands(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``pumpfun login`` and ``pumpfun logout`` to a subcommand set."""
    login = subcommands.add_parser(
        "login",
        help="Sign in with a Solana keypair and keep the token for later commands.",
        description="Sign the pump.fun sign-in message with a wallet's ed25519 key, "
        "POST /auth/login, and store the session token (owner-only permissions) in the "
        "user's config directory. Later commands use it for the same --base-url when no "
        "--token or $PUMPFUN_TOKEN is given. Needs the wallet extra.",
    )
    login.add_argument(
        "--keypair",
        metavar="PATH",
        default=os.environ.get("PUMPFUN_KEYPAIR"),
        help="the Solana CLI keypair file (a JSON array of 64 numbers; mode 600); "
        "defaults to $PUMPFUN_KEYPAIR",
    )
    login.set_defaults(handler=run_login)
    logout = subcommands.add_parser(
        "logout",
        help="Forget the token 'pumpfun login' stored.",
        description="Remove the stored session token for --base-url (or, with --all, every "
        "stored token).",
    )
    logout.add_argument(
        "--all", dest="everywhere", action="store_true", help="forget every stored token"
    )
    logout.set_defaults(handler=run_logout)


def run_login(args: argparse.Namespace, out: TextIO) -> int:
    """Sign in with ``--keypair`` and store the token."""
    from pumpfun_async.cli._commands import UsageError, make_client

    if not args.keypair:
        raise UsageError("login needs --keypair PATH (or $PUMPFUN_KEYPAIR)")
    try:
        from pumpfun_async._wallet import Wallet

        wallet = Wallet.from_keypair_file(args.keypair)
    except ImportError as exc:
        raise UsageError(str(exc)) from None

    async def sign_in() -> str:
        async with make_client(args, wallet=wallet) as client:
            return await client.login()

    token = asyncio.run(sign_in())
    path = store_token(args.base_url, token, wallet.address)
    expiry = token_expiry(token)
    until = (
        ""
        if expiry is None
        else " until "
        + datetime.fromtimestamp(expiry, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    )
    print(f"signed in as {wallet.address}{until}; token stored in {path}", file=out)
    return 0


def run_logout(args: argparse.Namespace, out: TextIO) -> int:
    """Forget the stored token."""
    found = forget_token(args.base_url, everywhere=args.everywhere)
    if found:
        print(f"signed out; removed the stored token from {credentials_path()}", file=out)
    else:
        print("no stored token to remove", file=out)
    return 0
