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

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, SupportsIndex

import attrs

from ._extras import require
from ._keypair import (
    PUBLIC_KEY_SIZE,
    SIGNATURE_SIZE,
    b58_of_size,
    decode_base58_secret,
    encode_keypair,
    key_from_secret,
    read_keypair_file,
)
from ._repr import robust_repr
from .errors import ValidationError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = ["SignIn", "Wallet", "verify_sign_in", "wallet_extra_installed"]

_SIGN_IN_PREFIX = "Sign in to pump.fun: "


def wallet_extra_installed() -> bool:
    """Whether the ``wallet`` extra (cryptography, base58, PyJWT) can be imported."""
    try:
        _require()
    except ImportError:
        return False
    return True


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
        key = key_from_secret(read_keypair_file(file))
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
        key = key_from_secret(decode_base58_secret(secret))
        del secret  # keep the secret out of this frame's locals should we raise below
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
            handle.write(encode_keypair(self._secret_bytes()))

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

    public = b58_of_size(address, PUBLIC_KEY_SIZE)
    signature = b58_of_size(signature_b58, SIGNATURE_SIZE)
    if public is None or signature is None:
        return False
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, _sign_in_text(timestamp))
    except (InvalidSignature, ValueError):
        return False
    return True
