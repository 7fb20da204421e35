"""Solana keypairs as text and files: reading, parsing and checking them, never quoting them.

The Solana CLI's keypair file is a JSON array of 64 integers (the 32-byte ed25519 seed, then
the 32-byte public key); wallets such as Phantom export the same 64 bytes as base58 text.
:class:`~pumpfun_async.Wallet` builds on these helpers; what signs is there.

Each helper returns the parsed value or a message saying what is wrong, and the caller
raises: the frames that held the secret are gone by then, so a traceback (or an error
reporter capturing frame locals) does not carry it. ``base58`` and ``cryptography`` (the
``wallet`` extra) are imported inside the helpers that need them: the caller checks first
that the extra is installed.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = [
    "PUBLIC_KEY_SIZE",
    "SIGNATURE_SIZE",
    "b58_of_size",
    "decode_base58_secret",
    "encode_keypair",
    "key_from_secret",
    "parse_keypair",
    "read_keypair_file",
]

PUBLIC_KEY_SIZE = 32
"""Bytes in an ed25519 public key (a Solana address decodes to this many)."""
SIGNATURE_SIZE = 64
"""Bytes in an ed25519 signature."""
_SEED_SIZE = 32
_SECRET_SIZE = 64
#: The longest base58 text of 64 bytes (all-zero bytes encode as one ``1`` each), and the
#: longest text decoded to say how many bytes it holds (decoding is quadratic in its length).
_MAX_B58_64 = 88
_MAX_B58_DECODED = 256
#: A keypair file holds about 250 bytes; anything much larger is not one.
_MAX_FILE_SIZE = 64 * 1024


def b58_of_size(text: object, size: int) -> bytes | None:
    """The ``size`` bytes ``text`` encodes in base58, or ``None``."""
    import base58

    # base58 takes at most 1.37 characters a byte; the bound keeps decoding cheap.
    if not isinstance(text, str) or not text or len(text) > 2 * size:
        return None
    try:
        raw = base58.b58decode(text)
    except ValueError:
        return None
    return raw if len(raw) == size else None


def read_keypair_file(path: Path) -> bytes | str:
    """The 64-byte secret in a keypair file, or why there is none (never its contents).

    The file is opened once, and its type, mode and size are checked on that descriptor
    before it is read: the file checked is the file read, even if the path is swapped.
    """
    # Non-blocking, so that opening a FIFO does not wait for a writer; no controlling
    # terminal from opening a tty. Both are undone or moot once the file is known to be a
    # regular file.
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    flags = os.O_RDONLY | nonblocking | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        # Windows refuses to open a directory ("permission denied"): say what it is.
        if not isinstance(exc, FileNotFoundError) and path.is_dir():
            return "is a directory, not a keypair file"
        return _os_problem(exc)
    try:
        problem = _file_problem(os.fstat(fd), path)
        if problem:
            return problem
        if nonblocking:
            os.set_blocking(fd, True)
        data = _read_at_most(fd, _MAX_FILE_SIZE)
    except OSError as exc:
        return _os_problem(exc)
    finally:
        os.close(fd)
    if data is None:
        return "is too large to be a keypair file"
    return parse_keypair(data)


def _read_at_most(fd: int, limit: int) -> bytes | None:
    """Everything left in ``fd``, or ``None`` if that is more than ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = os.read(fd, limit + 1 - size)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return None


def _file_problem(info: os.stat_result, path: Path) -> str | None:
    """Why the file ``info`` describes cannot be a keypair file, judging by its metadata."""
    if stat.S_ISDIR(info.st_mode):
        return "is a directory, not a keypair file"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file"
    if os.name == "posix" and info.st_mode & 0o077:
        return (
            f"is accessible to other users (mode {stat.S_IMODE(info.st_mode):#o}); a secret key "
            f"must be readable by its owner only: run chmod 600 {path}"
        )
    if info.st_size > _MAX_FILE_SIZE:
        return "is too large to be a keypair file"
    return None


def _os_problem(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    return f"cannot read the keypair file ({exc.strerror or type(exc).__name__})"


def parse_keypair(data: bytes) -> bytes | str:
    """The 64 bytes of a keypair file's JSON array, or why it is not one."""
    try:
        items = json.loads(data)
    except json.JSONDecodeError as exc:
        return f"is not JSON (line {exc.lineno}, column {exc.colno})"
    except (ValueError, RecursionError):  # not UTF-8, or nested too deep
        return "is not JSON"
    if not isinstance(items, list):
        return f"holds a JSON {_json_kind(items)}, not an array of {_SECRET_SIZE} numbers"
    if len(items) != _SECRET_SIZE:
        return f"holds {len(items)} numbers; a keypair file holds {_SECRET_SIZE}"
    for index, item in enumerate(items):
        if type(item) is not int or not 0 <= item <= 255:
            return f"item {index} is not an integer from 0 to 255"
    return bytes(items)


def encode_keypair(secret: bytes) -> bytes:
    """The contents of a keypair file for a 64-byte secret, as :func:`parse_keypair` reads it."""
    return json.dumps(list(secret), separators=(",", ":")).encode()


def _json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "number"


def decode_base58_secret(secret: object) -> bytes | str:
    """The 64 bytes of a base58 secret key, or why it is not one (never quoting it)."""
    import base58

    if not isinstance(secret, str):
        return f"must be a base58 str, not {type(secret).__name__}"
    text = secret.strip()
    if not text:
        return "is empty"
    if len(text) > _MAX_B58_DECODED:
        return (
            f"is {len(text)} characters long; the base58 text of a {_SECRET_SIZE}-byte secret "
            f"key has at most {_MAX_B58_64}"
        )
    try:
        raw = base58.b58decode(text)
    except ValueError:
        return "is not valid base58"
    if len(raw) != _SECRET_SIZE:
        return (
            f"decodes to {len(raw)} bytes; expected the {_SECRET_SIZE}-byte secret key "
            f"(the {_SEED_SIZE}-byte seed followed by the {PUBLIC_KEY_SIZE}-byte public key)"
        )
    return raw


def key_from_secret(secret: bytes | str) -> Ed25519PrivateKey | str:
    """The private key of a 64-byte secret, or why its public half does not match.

    A message in place of the secret (what the readers above return for a bad one) is
    passed through, so that a caller can write ``key_from_secret(read_keypair_file(path))``
    and never hold the secret in a local of its own.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if isinstance(secret, str):
        return secret
    key = Ed25519PrivateKey.from_private_bytes(secret[:_SEED_SIZE])
    if key.public_key().public_bytes_raw() != secret[_SEED_SIZE:]:
        return "the public half does not match the secret"
    return key
