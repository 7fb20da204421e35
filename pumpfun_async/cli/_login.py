"""``pumpfun login`` and ``pumpfun logout``: a wallet sign-in whose token later commands use.

The token is kept per API root by :mod:`pumpfun_async.cli._store`. A command uses the stored
token for its ``--base-url`` when neither ``--token`` nor ``$PUMPFUN_TOKEN`` gives one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import datetime, timezone
from typing import TextIO

from pumpfun_async._auth import token_expiry
from pumpfun_async.cli._base import Subcommands, UsageError, make_client
from pumpfun_async.cli._store import credentials_path, forget_token, store_token

__all__ = ["add_login_commands", "run_login", "run_logout"]


def add_login_commands(subcommands: Subcommands) -> None:
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
