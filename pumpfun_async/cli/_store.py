"""The tokens ``pumpfun login`` keeps, one per API root.

They are kept in ``credentials.json`` in the user's config directory
(``platformdirs.user_config_dir("pumpfun")``, or ``$PUMPFUN_CONFIG_DIR``), readable by its
owner only. API roots are normalised as the client does, so that one root spelled two ways
(``http://host/`` and ``http://host``) finds one token.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import orjson

from pumpfun_async._options import base_url_option

__all__ = [
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
    entry = _load().get(base_url_option(base_url))
    token = entry.get("token") if isinstance(entry, dict) else None
    return token if isinstance(token, str) and token else None


def store_token(base_url: str | None, token: str, address: str) -> Path:
    """Keep ``token`` (signed in as ``address``) for this API root; returns the file."""
    tokens = _load()
    tokens[base_url_option(base_url)] = {"token": token, "address": address}
    return _save(tokens)


def forget_token(base_url: str | None, *, everywhere: bool = False) -> bool:
    """Remove the stored token for this API root (or all of them); whether one was there."""
    tokens = _load()
    if everywhere:
        found = bool(tokens)
        tokens = {}
    else:
        found = tokens.pop(base_url_option(base_url), None) is not None
    if found:
        _save(tokens)
    return found
