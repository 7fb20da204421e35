"""The SDK's one logger, ``pumpfun_async``: DEBUG per request, INFO per retry and sign-in.

No record carries a secret: messages name methods, paths, statuses and wallet addresses,
never headers, query values or bodies.
"""

from __future__ import annotations

import logging

__all__ = ["logger"]

logger = logging.getLogger("pumpfun_async")
