"""A Solana wallet (an ed25519 keypair) that signs pump.fun's sign-in message.

pump.fun hands out its session token for a signed message: the wallet signs the UTF-8 text
``Sign in to pump.fun: <timestamp in ms>`` and the client sends ``POST /auth/login`` with
``{"address", "signature", "timestamp"}``, the signature base58-encoded.

Everything here needs the ``wallet`` extra (``pip install 'pumpfun-async[wallet]'``), but
only when used: importing this module imports none of ``cryptography``, ``base58`` and
``jwt``.

The secret key never appears in a ``repr()``, an exception message or a log line, and a
:class:`Wallet` refuses to be pickled.
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, SupportsIndex

import attrs

from ._extras import require
from ._repr import robust_repr
from .errors import ValidationError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = ["SignIn", "Wallet", "verify_sign_in"]

_SIGN_IN_PREFIX = "Sign in to pump.fun: "
_SEED_SIZE = 32
_PUBLIC_KEY_SIZE = 32
_SECRET_SIZE = 64
_SIGNATURE_SIZE = 64
#: The longest base58 text of 64 bytes (all-zero bytes encode as one ``1`` each), and the
#: longest text decoded to say how many bytes it holds (decoding is quadratic in its length).
_MAX_B58_64 = 88
_MAX_B58_DECODED = 256
#: A keypair file holds about 250 bytes; anything much larger is not one.
_MAX_FILE_SIZE = 64 * 1024


def _require() -> None:
    """Import the wallet extra's modules, or say which extra to install.

    PyJWT is among them: a client signing in with a wallet reads its tokens' expiry to
    renew them in time.
    """
    ed25519 = "cryptography.hazmat.primitives.asymmetric.ed25519"
    require("Wallet", "wallet", "base58", "jwt", ed25519)


def _sign_in_text(timestamp_ms: int) -> bytes:
    return f"{_SIGN_IN_PREFIX}{timestamp_ms}".encode()


def _check_timestamp(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            field, f"must be an int of milliseconds since the epoch, not {type(value).__name__}"
        )
    if value < 0:
        raise ValidationError(field, "must not be negative")
    return value


@robust_repr
@attrs.frozen
class SignIn:
    """A signed sign-in message: what ``POST /auth/login`` wants.

    The signature is a short-lived credential (it can be exchanged for a session token while
    the server accepts its timestamp), so it is left out of the ``repr()``.

    Attributes:
        address: The wallet's address (base58 of its 32-byte public key).
        signature: The base58 ed25519 signature of ``Sign in to pump.fun: <timestamp>``.
        timestamp: The signed timestamp, in milliseconds since the Unix epoch.
    """

    address: str
    signature: str = attrs.field(repr=False)
    timestamp: int

    def as_body(self) -> dict[str, str | int]:
        """The JSON body of ``POST /auth/login``.

        Returns:
            ``{"address": ..., "signature": ..., "timestamp": ...}`` in that order, the
            timestamp an integer of milliseconds.
        """
        return {"address": self.address, "signature": self.signature, "timestamp": self.timestamp}


class Wallet:
    """A Solana keypair that signs pump.fun's sign-in message.

    Build one with :meth:`from_keypair_file`, :meth:`from_base58` or :meth:`generate`, or
    from a ``cryptography`` ``Ed25519PrivateKey``.

    Wallets are immutable and compare (and hash) by address; the ``repr()`` shows the address
    only, and pickling is refused so the secret key is never written out by accident.

    Args:
        private_key: The ed25519 private key.

    Raises:
        ImportError: The ``wallet`` extra is not installed.
        ValidationError: ``private_key`` is not an ``Ed25519PrivateKey``.
    """

    __slots__ = ("_address", "_key")

    _address: str
    _key: Ed25519PrivateKey

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        _require()
        import base58
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        if not isinstance(private_key, Ed25519PrivateKey):
            raise ValidationError(
                "private_key", f"must be an Ed25519PrivateKey, not {type(private_key).__name__}"
            )
        public = private_key.public_key().public_bytes_raw()
        object.__setattr__(self, "_key", private_key)
        object.__setattr__(self, "_address", base58.b58encode(public).decode("ascii"))

    # ------------------------------------------------------------------ constructors

    @classmethod
    def generate(cls) -> Wallet:
        """A new wallet with a fresh random keypair.

        Returns:
            The wallet; save it with :meth:`to_keypair_file` to use it again.

        Raises:
            ImportError: The ``wallet`` extra is not installed.
        """
        _require()
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_keypair_file(cls, path: str | os.PathLike[str]) -> Wallet:
        """Load the keypair file the Solana CLI writes (``solana-keygen new``).

        The file is a JSON array of 64 integers from 0 to 255: the 32-byte ed25519 seed
        followed by the 32-byte public key. On POSIX systems it must not be accessible to
        group or others (``chmod 600``).

        Args:
            path: The keypair file.

        Returns:
            The wallet.

        Raises:
            ImportError: The ``wallet`` extra is not installed.
            ValidationError: The file is missing, unreadable, accessible to other users, or not
                a keypair (the message never quotes the file's contents).
        """
        _require()
        file = Path(path)
        secret = _read_keypair_file(file)
        if isinstance(secret, str):
            raise ValidationError("path", f"{file}: {secret}")
        key = _key_from_secret(secret)
        del secret
        if isinstance(key, str):
            raise ValidationError("path", f"{file}: {key}")
        return cls(key)

    @classmethod
    def from_base58(cls, secret: str) -> Wallet:
        """Load a base58 secret key, the form wallets such as Phantom export.

        Args:
            secret: The base58 text of the 64-byte secret key (the 32-byte seed followed by
                the 32-byte public key). Surrounding whitespace is ignored.

        Returns:
            The wallet.

        Raises:
            ImportError: The ``wallet`` extra is not installed.
            ValidationError: ``secret`` is not a string, not base58, not 64 bytes long, or its
                public half does not match (the message never quotes the secret).
        """
        _require()
        raw = _decode_base58_secret(secret)
        del secret  # keep the secret out of this frame's locals should we raise below
        if isinstance(raw, str):
            raise ValidationError("secret", raw)
        key = _key_from_secret(raw)
        del raw
        if isinstance(key, str):
            raise ValidationError("secret", key)
        return cls(key)

    # ------------------------------------------------------------------ export

    def to_keypair_file(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
        """Write the keypair in the Solana CLI's format, readable by the owner only.

        The file is created with mode ``0o600`` (and set to it when overwritten, on POSIX).

        Args:
            path: The file to write.
            overwrite: Replace the file if it exists; otherwise an existing file is an error.

        Raises:
            ValidationError: The file exists and ``overwrite`` is false.
            OSError: The file could not be written.
        """
        file = Path(path)
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
        flags |= getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(file, flags, 0o600)
        except FileExistsError:
            raise ValidationError(
                "path", f"{file} already exists; pass overwrite=True to replace it"
            ) from None
        with os.fdopen(fd, "wb") as handle:
            if os.name == "posix":
                os.fchmod(fd, 0o600)
            handle.write(json.dumps(list(self._secret_bytes()), separators=(",", ":")).encode())

    def to_base58(self) -> str:
        """The base58 text of the 64-byte secret key, as :meth:`from_base58` reads it.

        This is the secret itself: never log, print or commit it.

        Returns:
            The base58 secret key.
        """
        import base58

        return base58.b58encode(self._secret_bytes()).decode("ascii")

    def _secret_bytes(self) -> bytes:
        return self._key.private_bytes_raw() + self._key.public_key().public_bytes_raw()

    # ------------------------------------------------------------------ signing

    @property
    def address(self) -> str:
        """The wallet's address: the base58 text of its 32-byte public key."""
        return self._address

    def sign(self, message: bytes | bytearray | memoryview) -> bytes:
        """Sign ``message`` with the wallet's ed25519 key.

        Args:
            message: The bytes to sign (any bytes-like object; encode text first).

        Returns:
            The 64-byte ed25519 signature.

        Raises:
            ValidationError: ``message`` is not bytes.
        """
        if not isinstance(message, (bytes, bytearray, memoryview)):
            raise ValidationError(
                "message", f"must be bytes, not {type(message).__name__}; encode text first"
            )
        return self._key.sign(bytes(message))

    def sign_in_message(self, timestamp_ms: int | None = None) -> SignIn:
        """Sign pump.fun's sign-in message, ``Sign in to pump.fun: <timestamp_ms>``.

        Args:
            timestamp_ms: The timestamp to sign, in milliseconds since the Unix epoch;
                ``None`` for now.

        Returns:
            The address, base58 signature and timestamp; :meth:`SignIn.as_body` is the
            ``POST /auth/login`` body.

        Raises:
            ValidationError: ``timestamp_ms`` is not a non-negative int.
        """
        import base58

        if timestamp_ms is None:
            timestamp_ms = time.time_ns() // 1_000_000
        timestamp_ms = _check_timestamp(timestamp_ms, "timestamp_ms")
        signature = self._key.sign(_sign_in_text(timestamp_ms))
        return SignIn(
            address=self._address,
            signature=base58.b58encode(signature).decode("ascii"),
            timestamp=timestamp_ms,
        )

    # ------------------------------------------------------------------ dunder

    def __repr__(self) -> str:
        # Never the key; and no AttributeError for a wallet whose constructor raised.
        return f"Wallet(address={getattr(self, '_address', '<unset>')!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Wallet):
            return NotImplemented
        return self._address == other._address

    def __hash__(self) -> int:
        return hash(self._address)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"Wallet is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"Wallet is immutable; cannot delete {name!r}")

    def __reduce_ex__(self, protocol: SupportsIndex, /) -> NoReturn:
        raise TypeError(
            "a Wallet cannot be pickled: it holds a secret key (save it with to_keypair_file)"
        )

    def __reduce__(self) -> NoReturn:
        raise TypeError(
            "a Wallet cannot be pickled: it holds a secret key (save it with to_keypair_file)"
        )

    def __copy__(self) -> Wallet:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Wallet:
        return self


def verify_sign_in(address: str, signature_b58: str, timestamp: int) -> bool:
    """Check a sign-in signature, as the server does for ``POST /auth/login``.

    Only the signature is checked, not whether the timestamp is recent.

    Args:
        address: The base58 address (public key) that claims to have signed.
        signature_b58: The base58 ed25519 signature.
        timestamp: The signed timestamp, in milliseconds.

    Returns:
        Whether ``signature_b58`` is ``address``'s signature of
        ``Sign in to pump.fun: <timestamp>``; ``False`` for any malformed input.

    Raises:
        ImportError: The ``wallet`` extra is not installed.
    """
    _require()
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    public = _b58_of_size(address, _PUBLIC_KEY_SIZE)
    signature = _b58_of_size(signature_b58, _SIGNATURE_SIZE)
    if public is None or signature is None:
        return False
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, _sign_in_text(timestamp))
    except (InvalidSignature, ValueError):
        return False
    return True


def _b58_of_size(text: object, size: int) -> bytes | None:
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


# ---------------------------------------------------------------------- parsing
#
# The helpers below return the parsed value or a message saying what is wrong, and the caller
# raises: the frames that held the secret are gone by then, so a traceback (or an error
# reporter capturing frame locals) does not carry it.


def _read_keypair_file(path: Path) -> bytes | str:
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
    return _parse_keypair(data)


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


def _parse_keypair(data: bytes) -> bytes | str:
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


def _decode_base58_secret(secret: object) -> bytes | str:
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
            f"(the {_SEED_SIZE}-byte seed followed by the {_PUBLIC_KEY_SIZE}-byte public key)"
        )
    return raw


def _key_from_secret(secret: bytes) -> Ed25519PrivateKey | str:
    """The private key of a 64-byte secret, or why its public half does not match."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(secret[:_SEED_SIZE])
    if key.public_key().public_bytes_raw() != secret[_SEED_SIZE:]:
        return "the public half does not match the secret"
    return key
