"""Wallet sign-in pieces beyond :class:`~pumpfun_async.Wallet` (the ``wallet`` extra).

:class:`SignIn` is what :meth:`Wallet.sign_in_message` returns, and
:func:`verify_sign_in` checks a sign-in signature as the server does (the emulator uses
it)::

    from pumpfun_async import Wallet
    from pumpfun_async.wallet import verify_sign_in

    signed = Wallet.generate().sign_in_message()
    assert verify_sign_in(signed.address, signed.signature, signed.timestamp)

``SignIn`` and ``verify_sign_in`` were importable from :mod:`pumpfun_async` itself before;
that still works for one release, with a ``DeprecationWarning``.
"""

from ._wallet import SignIn, Wallet, verify_sign_in

__all__ = ["SignIn", "Wallet", "verify_sign_in"]
