"""Wallet: RFC 8032 signatures, the sign-in message, keypair files, base58, secrecy."""

from __future__ import annotations

import copy
import json
import os
import pickle
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from pumpfun_async._wallet import SignIn, Wallet, verify_sign_in
from pumpfun_async.errors import ValidationError

POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX only")

# RFC 8032, section 7.1: (seed, public key, message, signature) in hex, and the address.
RFC_TEST_1 = (
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    "",
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555f"
    "b8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    "FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z",
)
RFC_TEST_2 = (
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    "72",
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da08"
    "5ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    "586Z7H2vpX9qNhN2T4e9Utugie3ogjbxzGaMtM3E6HR5",
)
RFC_VECTORS = [RFC_TEST_1, RFC_TEST_2]

SEED_HEX, PUBLIC_HEX = RFC_TEST_1[0], RFC_TEST_1[1]
SECRET = bytes.fromhex(SEED_HEX + PUBLIC_HEX)
SECRET_B58 = base58.b58encode(SECRET).decode()
ADDRESS = RFC_TEST_1[4]
TIMESTAMP = 1_700_000_000_123
NEEDS_EXTRA = "Wallet needs the wallet extra: pip install 'pumpfun-async[wallet]'"


def _write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def _assert_no_secret(text: str) -> None:
    """Neither the secret (base58, hex, JSON numbers) nor its seed appears in ``text``."""
    assert SECRET_B58 not in text
    assert SEED_HEX not in text
    assert SEED_HEX.upper() not in text
    assert json.dumps(list(SECRET[:8]))[1:-1] not in text  # "157, 97, 177, ..."
    assert ",".join(map(str, SECRET[:8])) not in text


@pytest.fixture
def wallet() -> Wallet:
    return Wallet.from_base58(SECRET_B58)


# ---------------------------------------------------------------------------- RFC 8032


@pytest.mark.parametrize(
    ("seed", "public", "message", "signature", "address"), RFC_VECTORS, ids=["test1", "test2"]
)
def test_rfc8032_vectors(
    seed: str, public: str, message: str, signature: str, address: str
) -> None:
    secret = bytes.fromhex(seed + public)
    wallet = Wallet.from_base58(base58.b58encode(secret).decode())
    assert wallet.sign(bytes.fromhex(message)) == bytes.fromhex(signature)
    assert wallet.address == address
    assert wallet.address == base58.b58encode(bytes.fromhex(public)).decode()


@pytest.mark.parametrize(
    ("seed", "public", "message", "signature", "address"), RFC_VECTORS, ids=["test1", "test2"]
)
def test_rfc8032_vectors_from_keypair_file(
    tmp_path: Path, seed: str, public: str, message: str, signature: str, address: str
) -> None:
    file = _write(tmp_path / "id.json", json.dumps(list(bytes.fromhex(seed + public))))
    wallet = Wallet.from_keypair_file(file)
    assert wallet.address == address
    assert wallet.sign(bytes.fromhex(message)) == bytes.fromhex(signature)


def test_sign_returns_64_bytes_and_takes_bytes_like(wallet: Wallet) -> None:
    signature = wallet.sign(b"hello")
    assert isinstance(signature, bytes)
    assert len(signature) == 64
    assert wallet.sign(bytearray(b"hello")) == signature
    assert wallet.sign(memoryview(b"hello")) == signature


def test_sign_rejects_text(wallet: Wallet) -> None:
    with pytest.raises(ValidationError, match="encode text first") as info:
        wallet.sign("hello")  # type: ignore[arg-type]
    assert info.value.field == "message"


# ---------------------------------------------------------------------------- sign-in


def test_sign_in_message(wallet: Wallet) -> None:
    signed = wallet.sign_in_message(TIMESTAMP)
    assert isinstance(signed, SignIn)
    assert signed.address == ADDRESS
    assert signed.timestamp == TIMESTAMP
    raw = base58.b58decode(signed.signature)
    assert len(raw) == 64
    message = b"Sign in to pump.fun: 1700000000123"
    assert raw == wallet.sign(message)
    Ed25519PublicKey.from_public_bytes(bytes.fromhex(PUBLIC_HEX)).verify(raw, message)


def test_sign_in_message_is_deterministic(wallet: Wallet) -> None:
    assert wallet.sign_in_message(TIMESTAMP) == wallet.sign_in_message(TIMESTAMP)
    assert wallet.sign_in_message(TIMESTAMP) != wallet.sign_in_message(TIMESTAMP + 1)


def test_sign_in_body_wire_format(wallet: Wallet) -> None:
    signed = wallet.sign_in_message(TIMESTAMP)
    body = signed.as_body()
    assert list(body) == ["address", "signature", "timestamp"]
    assert body == {"address": ADDRESS, "signature": signed.signature, "timestamp": TIMESTAMP}
    encoded = json.dumps(body, separators=(",", ":"))
    assert encoded == (
        f'{{"address":"{ADDRESS}","signature":"{signed.signature}","timestamp":{TIMESTAMP}}}'
    )


def test_sign_in_timestamp_defaults_to_now_in_ms(wallet: Wallet) -> None:
    before = time.time_ns() // 1_000_000
    signed = wallet.sign_in_message()
    after = time.time_ns() // 1_000_000
    assert isinstance(signed.timestamp, int)
    assert before <= signed.timestamp <= after
    assert verify_sign_in(signed.address, signed.signature, signed.timestamp)


@pytest.mark.parametrize("bad", [True, 1.5, "1700000000000", -1])
def test_sign_in_rejects_bad_timestamps(wallet: Wallet, bad: object) -> None:
    with pytest.raises(ValidationError) as info:
        wallet.sign_in_message(bad)  # type: ignore[arg-type]
    assert info.value.field == "timestamp_ms"


def test_sign_in_repr_hides_the_signature(wallet: Wallet) -> None:
    signed = wallet.sign_in_message(TIMESTAMP)
    assert signed.signature not in repr(signed)
    assert ADDRESS in repr(signed)
    assert str(TIMESTAMP) in repr(signed)


# ---------------------------------------------------------------------------- verify


def test_verify_sign_in_accepts_a_good_signature(wallet: Wallet) -> None:
    signed = wallet.sign_in_message(TIMESTAMP)
    assert verify_sign_in(signed.address, signed.signature, signed.timestamp) is True


def test_verify_sign_in_wrong_address(wallet: Wallet) -> None:
    signed = wallet.sign_in_message(TIMESTAMP)
    assert verify_sign_in(Wallet.generate().address, signed.signature, TIMESTAMP) is False
    assert verify_sign_in(RFC_TEST_2[4], signed.signature, TIMESTAMP) is False


def test_verify_sign_in_wrong_timestamp(wallet: Wallet) -> None:
    signed = wallet.sign_in_message(TIMESTAMP)
    assert verify_sign_in(ADDRESS, signed.signature, TIMESTAMP + 1) is False


def test_verify_sign_in_tampered_signature(wallet: Wallet) -> None:
    raw = bytearray(base58.b58decode(wallet.sign_in_message(TIMESTAMP).signature))
    for index in (0, 31, 63):
        tampered = bytearray(raw)
        tampered[index] ^= 0x01
        assert (
            verify_sign_in(ADDRESS, base58.b58encode(bytes(tampered)).decode(), TIMESTAMP) is False
        )


def test_verify_sign_in_signature_of_another_message(wallet: Wallet) -> None:
    other = base58.b58encode(wallet.sign(str(TIMESTAMP).encode())).decode()
    assert verify_sign_in(ADDRESS, other, TIMESTAMP) is False


@pytest.mark.parametrize(
    ("address", "signature", "timestamp"),
    [
        ("0OIl", "sig", TIMESTAMP),  # not base58
        (ADDRESS, "0OIl+/=", TIMESTAMP),
        (ADDRESS, "", TIMESTAMP),
        ("", "1111", TIMESTAMP),
        (ADDRESS, "é", TIMESTAMP),
        (ADDRESS, "2" * 500, TIMESTAMP),  # far too long
        (base58.b58encode(b"\x01" * 31).decode(), "GOOD", TIMESTAMP),  # 31-byte address
        (ADDRESS, base58.b58encode(b"\x01" * 63).decode(), TIMESTAMP),  # 63-byte signature
        (None, "GOOD", TIMESTAMP),
        (ADDRESS, None, TIMESTAMP),
        (ADDRESS.encode(), "GOOD", TIMESTAMP),
        (ADDRESS, "GOOD", str(TIMESTAMP)),
        (ADDRESS, "GOOD", float(TIMESTAMP)),
        (ADDRESS, "GOOD", -1),
        (ADDRESS, "GOOD", True),
    ],
)
def test_verify_sign_in_garbage_is_false(
    wallet: Wallet, address: object, signature: object, timestamp: object
) -> None:
    if signature == "GOOD":
        signature = wallet.sign_in_message(TIMESTAMP).signature
    assert verify_sign_in(address, signature, timestamp) is False  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- round trips


def test_keypair_file_round_trip(tmp_path: Path) -> None:
    wallet = Wallet.generate()
    file = tmp_path / "id.json"
    wallet.to_keypair_file(file)
    items = json.loads(file.read_text(encoding="utf-8"))
    assert isinstance(items, list)
    assert len(items) == 64
    assert all(type(i) is int and 0 <= i <= 255 for i in items)
    assert base58.b58encode(bytes(items[32:])).decode() == wallet.address
    loaded = Wallet.from_keypair_file(file)
    assert loaded == wallet
    assert loaded.sign(b"x") == wallet.sign(b"x")
    assert Wallet.from_keypair_file(str(file)) == wallet


def test_keypair_file_matches_solana_cli_format(tmp_path: Path) -> None:
    file = tmp_path / "id.json"
    Wallet.from_base58(SECRET_B58).to_keypair_file(file)
    assert file.read_text(encoding="utf-8") == "[" + ",".join(map(str, SECRET)) + "]"


@POSIX_ONLY
def test_keypair_file_is_written_owner_only(tmp_path: Path) -> None:
    file = tmp_path / "id.json"
    old_umask = os.umask(0)
    try:
        Wallet.generate().to_keypair_file(file)
    finally:
        os.umask(old_umask)
    assert file.stat().st_mode & 0o777 == 0o600


def test_keypair_file_is_not_overwritten_by_default(tmp_path: Path) -> None:
    file = _write(tmp_path / "id.json", "keep me")
    with pytest.raises(ValidationError, match="overwrite=True") as info:
        Wallet.generate().to_keypair_file(file)
    assert info.value.field == "path"
    assert file.read_text(encoding="utf-8") == "keep me"


def test_keypair_file_overwrite(tmp_path: Path) -> None:
    file = _write(tmp_path / "id.json", "x" * 1000, mode=0o644)
    wallet = Wallet.generate()
    wallet.to_keypair_file(file, overwrite=True)
    if os.name == "posix":
        assert file.stat().st_mode & 0o777 == 0o600
    assert Wallet.from_keypair_file(file) == wallet


def test_base58_round_trip() -> None:
    wallet = Wallet.generate()
    exported = wallet.to_base58()
    assert len(base58.b58decode(exported)) == 64
    loaded = Wallet.from_base58(exported)
    assert loaded == wallet
    assert loaded.sign(b"x") == wallet.sign(b"x")
    assert Wallet.from_base58(SECRET_B58).to_base58() == SECRET_B58


def test_base58_ignores_surrounding_whitespace() -> None:
    assert Wallet.from_base58(f"  {SECRET_B58}\n").address == ADDRESS


def test_generate_gives_distinct_wallets() -> None:
    assert Wallet.generate() != Wallet.generate()


def test_wrap_a_cryptography_key() -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(SEED_HEX))
    assert Wallet(key).address == ADDRESS


def test_constructor_rejects_other_objects() -> None:
    with pytest.raises(ValidationError, match="Ed25519PrivateKey") as info:
        Wallet(SECRET)  # type: ignore[arg-type]
    assert info.value.field == "private_key"
    _assert_no_secret(str(info.value))


# ---------------------------------------------------------------------------- bad keypair files


_BAD_FILES = {
    "not-json": ("[1, 2, 3", "is not JSON"),
    "empty": ("", "is not JSON"),
    "secret-as-text": (SECRET_B58, "is not JSON"),
    "object": (json.dumps({"secret": list(SECRET)}), "JSON object, not an array of 64"),
    "string": (json.dumps(SECRET_B58), "JSON string"),
    "number": ("42", "JSON number"),
    "null": ("null", "JSON null"),
    "short": (json.dumps(list(SECRET[:63])), "holds 63 numbers; a keypair file holds 64"),
    "long": (json.dumps([*SECRET, 0]), "holds 65 numbers"),
    "only-seed": (json.dumps(list(SECRET[:32])), "holds 32 numbers"),
    "too-big": (json.dumps([*SECRET[:63], 256]), "item 63 is not an integer from 0 to 255"),
    "negative": (json.dumps([-1, *SECRET[1:]]), "item 0 is not an integer from 0 to 255"),
    "float": (json.dumps([*SECRET[:10], 1.5, *SECRET[11:]]), "item 10 is not an integer"),
    "bool": (json.dumps([True, *SECRET[1:]]), "item 0 is not an integer"),
    "str": (json.dumps(["1", *SECRET[1:]]), "item 0 is not an integer"),
    "none": (json.dumps([None, *SECRET[1:]]), "item 0 is not an integer"),
    "mismatched-public-half": (
        json.dumps([*SECRET[:32], *bytes.fromhex(RFC_TEST_2[1])]),
        "the public half does not match the secret",
    ),
    "nested-deep": ("[" * 30_000 + "]" * 30_000, "is not JSON"),
}


@pytest.mark.parametrize("case", sorted(_BAD_FILES))
def test_bad_keypair_file(tmp_path: Path, case: str) -> None:
    text, expected = _BAD_FILES[case]
    file = _write(tmp_path / "id.json", text)
    with pytest.raises(ValidationError) as info:
        Wallet.from_keypair_file(file)
    message = str(info.value)
    assert info.value.field == "path"
    assert expected in message
    assert str(file) in message
    _assert_no_secret(message)
    if len(text) > 8:
        assert text not in message
    assert info.value.__cause__ is None
    assert info.value.__context__ is None


def test_keypair_file_not_utf8(tmp_path: Path) -> None:
    file = tmp_path / "id.json"
    file.write_bytes(b"\xff\xfe\x00[" + bytes(range(128, 255)))
    file.chmod(0o600)
    with pytest.raises(ValidationError, match="is not JSON"):
        Wallet.from_keypair_file(file)


def test_keypair_file_too_large(tmp_path: Path) -> None:
    file = _write(tmp_path / "id.json", " " * 70_000 + json.dumps(list(SECRET)))
    with pytest.raises(ValidationError, match="too large"):
        Wallet.from_keypair_file(file)


def test_missing_keypair_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no such file") as info:
        Wallet.from_keypair_file(tmp_path / "missing.json")
    assert info.value.field == "path"
    assert "missing.json" in str(info.value)


def test_keypair_file_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="is a directory") as info:
        Wallet.from_keypair_file(tmp_path)
    assert info.value.field == "path"


@POSIX_ONLY
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o601, 0o610, 0o666])
def test_keypair_file_readable_by_others(tmp_path: Path, mode: int) -> None:
    file = _write(tmp_path / "id.json", json.dumps(list(SECRET)), mode=mode)
    with pytest.raises(ValidationError, match="chmod 600") as info:
        Wallet.from_keypair_file(file)
    message = str(info.value)
    assert info.value.field == "path"
    assert oct(mode) in message
    assert str(file) in message
    _assert_no_secret(message)


@POSIX_ONLY
@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_keypair_file_owner_only_modes_are_accepted(tmp_path: Path, mode: int) -> None:
    file = _write(tmp_path / "id.json", json.dumps(list(SECRET)), mode=mode)
    assert Wallet.from_keypair_file(file).address == ADDRESS


@POSIX_ONLY
def test_keypair_file_that_is_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "id.fifo"
    os.mkfifo(fifo, 0o600)
    with pytest.raises(ValidationError, match="not a regular file"):
        Wallet.from_keypair_file(fifo)


@POSIX_ONLY
def test_keypair_file_checked_is_the_file_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is swapped for a world-readable one right after the path is first looked
    at (stat or open): the owner-only file that was checked is the one read."""
    file = _write(tmp_path / "id.json", json.dumps(list(SECRET)))
    other = Wallet.generate()
    swap = tmp_path / "other.json"
    other.to_keypair_file(swap)
    swap.chmod(0o644)
    swapped: list[str] = []

    def swapping(real: Callable[..., object]) -> Callable[..., object]:
        def call(target: object, *args: object, **kwargs: object) -> object:
            result = real(target, *args, **kwargs)
            if (
                not swapped
                and isinstance(target, (str, os.PathLike))
                and (os.fspath(target) == str(file))
            ):
                swapped.append(real.__name__)
                os.replace(swap, file)
            return result

        return call

    with monkeypatch.context() as patched:
        patched.setattr(os, "stat", swapping(os.stat))
        patched.setattr(os, "open", swapping(os.open))
        loaded = Wallet.from_keypair_file(file)
    assert swapped
    assert loaded.address == ADDRESS
    assert loaded != other


# ---------------------------------------------------------------------------- bad base58


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        (SECRET, "must be a base58 str, not bytes"),
        (None, "must be a base58 str, not NoneType"),
        (12345, "must be a base58 str, not int"),
        ("", "is empty"),
        ("   ", "is empty"),
        (SECRET_B58[:40] + "0" + SECRET_B58[41:], "is not valid base58"),
        (SECRET_B58[:40] + "l" + SECRET_B58[41:], "is not valid base58"),
        (SECRET_B58[:40] + "é" + SECRET_B58[41:], "is not valid base58"),
        (SECRET_B58[:40] + " " + SECRET_B58[41:], "is not valid base58"),
        (base58.b58encode(SECRET[:32]).decode(), "decodes to 32 bytes; expected the 64-byte"),
        (base58.b58encode(SECRET[:63]).decode(), "decodes to 63 bytes"),
        (base58.b58encode(SECRET + b"\x00").decode(), "decodes to 65 bytes"),
        (base58.b58encode(SECRET * 2).decode(), "decodes to 128 bytes"),
        (SECRET_B58 * 3, "264 characters long; the base58 text of a 64-byte secret key"),
        (
            base58.b58encode(SECRET[:32] + bytes.fromhex(RFC_TEST_2[1])).decode(),
            "the public half does not match the secret",
        ),
    ],
    ids=[
        "bytes",
        "none",
        "int",
        "empty",
        "blank",
        "zero",
        "ell",
        "non-ascii",
        "inner-space",
        "seed-only",
        "63-bytes",
        "65-bytes",
        "128-bytes",
        "too-long",
        "mismatched-public-half",
    ],
)
def test_bad_base58_secret(secret: object, expected: str) -> None:
    with pytest.raises(ValidationError) as info:
        Wallet.from_base58(secret)  # type: ignore[arg-type]
    message = str(info.value)
    assert info.value.field == "secret"
    assert expected in message
    _assert_no_secret(message)
    if isinstance(secret, str) and secret.strip():
        assert secret.strip() not in message
    assert info.value.__cause__ is None
    assert info.value.__context__ is None


# ---------------------------------------------------------------------------- secrecy


def test_repr_shows_the_address_only(wallet: Wallet) -> None:
    assert repr(wallet) == f"Wallet(address='{ADDRESS}')"
    assert str(wallet) == repr(wallet)
    _assert_no_secret(repr(wallet))
    _assert_no_secret(str(wallet))
    assert SECRET_B58 not in f"{wallet!r} {wallet} {wallet.sign_in_message(TIMESTAMP)!r}"


def test_no_public_attribute_holds_the_secret(wallet: Wallet) -> None:
    for name in dir(wallet):
        if name.startswith("_"):
            continue
        value = getattr(wallet, name)
        if callable(value):
            continue
        _assert_no_secret(repr(value))
    assert not hasattr(wallet, "__dict__")


def _assert_no_secret_in_frames(error: BaseException) -> None:
    """No frame of ``error``'s traceback below the test's own holds the secret in a local."""
    tb = error.__traceback__
    assert tb is not None
    tb = tb.tb_next  # the test function's own frame
    while tb is not None:
        for name, value in tb.tb_frame.f_locals.items():
            if isinstance(value, (bytes, bytearray)):
                assert SECRET[:32] not in bytes(value), name
            elif isinstance(value, (str, list)):
                _assert_no_secret(repr(value))
        tb = tb.tb_next


@pytest.mark.parametrize(
    "text",
    [
        json.dumps([*SECRET[:32], *bytes.fromhex(RFC_TEST_2[1])]),
        json.dumps(list(SECRET[:63])),
        json.dumps([*SECRET[:63], 256]),
    ],
    ids=["mismatched", "short", "out-of-range"],
)
def test_traceback_locals_hold_no_keypair_file_contents(tmp_path: Path, text: str) -> None:
    file = _write(tmp_path / "id.json", text)
    with pytest.raises(ValidationError) as info:
        Wallet.from_keypair_file(file)
    _assert_no_secret_in_frames(info.value)


def test_traceback_locals_hold_no_base58_secret() -> None:
    mismatched = base58.b58encode(SECRET[:32] + bytes.fromhex(RFC_TEST_2[1])).decode()
    with pytest.raises(ValidationError) as info:
        Wallet.from_base58(mismatched)
    tb = info.value.__traceback__
    assert tb is not None
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in frames[1:]:
        assert mismatched not in [v for v in frame.f_locals.values() if isinstance(v, str)]
        for value in frame.f_locals.values():
            if isinstance(value, bytes):
                assert SECRET[:32] not in value


def test_pickling_is_refused(wallet: Wallet) -> None:
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(wallet, protocol=protocol)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps({"wallet": wallet})


def test_copy_returns_the_same_wallet(wallet: Wallet) -> None:
    assert copy.copy(wallet) is wallet
    assert copy.deepcopy({"w": wallet})["w"] is wallet


def test_wallet_is_immutable(wallet: Wallet) -> None:
    with pytest.raises(AttributeError):
        wallet._address = "other"
    with pytest.raises(AttributeError):
        wallet.extra = 1
    with pytest.raises(AttributeError):
        del wallet._key
    assert wallet.address == ADDRESS


def test_equality_and_hash_by_address(wallet: Wallet, tmp_path: Path) -> None:
    file = tmp_path / "id.json"
    wallet.to_keypair_file(file)
    same = Wallet.from_keypair_file(file)
    assert same == wallet
    assert hash(same) == hash(wallet)
    assert len({same, wallet}) == 1
    assert wallet != Wallet.generate()
    assert wallet != ADDRESS


# ---------------------------------------------------------------------------- the extra


def _hide(monkeypatch: pytest.MonkeyPatch, root: str) -> None:
    """Make ``import root`` (and its submodules) fail, as if it were not installed."""
    for name in [n for n in sys.modules if n == root or n.startswith(f"{root}.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, root, None)


@pytest.mark.parametrize("missing", ["cryptography", "base58", "jwt"])
def test_without_the_extra_says_which_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, missing: str
) -> None:
    file = _write(tmp_path / "id.json", json.dumps(list(SECRET)))
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(SEED_HEX))
    _hide(monkeypatch, missing)
    calls: list[Callable[[], object]] = [
        Wallet.generate,
        lambda: Wallet.from_base58(SECRET_B58),
        lambda: Wallet.from_keypair_file(file),
        lambda: Wallet(key),
        lambda: verify_sign_in(ADDRESS, "sig", TIMESTAMP),
    ]
    for call in calls:
        with pytest.raises(ImportError) as info:
            call()
        assert str(info.value) == NEEDS_EXTRA
        assert type(info.value) is ImportError
        _assert_no_secret(str(info.value))


@pytest.mark.parametrize("blocked", [False, True], ids=["installed", "blocked"])
def test_importing_the_package_does_not_import_the_extra(blocked: bool) -> None:
    """The base install: the package, the wallet module, the emulator and the command line
    import without the wallet extra, and do not import it when it is installed."""
    code = (
        "import json, sys\n"
        f"if {blocked}:\n"
        "    for name in ('cryptography', 'base58', 'jwt'):\n"
        "        sys.modules[name] = None\n"
        "import pumpfun_async, pumpfun_async._wallet, pumpfun_async.testing, pumpfun_async.cli\n"
        "print(json.dumps(sorted(n for n, m in sys.modules.items() if m is not None)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    roots = {name.split(".")[0] for name in json.loads(result.stdout)}
    assert "pumpfun_async" in roots
    assert not roots & {"cryptography", "base58", "jwt"}
