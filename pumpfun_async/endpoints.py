"""The endpoint table: every operation of the pump.fun API the SDK speaks, described once.

Most code never needs it: the client's methods are the API. It is here for tools built on
the SDK (the command line and the emulator read it too)::

    from pumpfun_async.endpoints import ENDPOINTS, RouteGroup

    for name, endpoint in ENDPOINTS.items():
        print(name, endpoint.method, endpoint.path, endpoint.group.value)

These names were importable from :mod:`pumpfun_async` itself before; that still works for
one release, with a ``DeprecationWarning``.
"""

from ._endpoints import ENDPOINTS, LOGIN, Endpoint, RouteGroup

__all__ = ["ENDPOINTS", "LOGIN", "Endpoint", "RouteGroup"]
