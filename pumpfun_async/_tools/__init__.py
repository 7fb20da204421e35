"""Developer tools that write the package's generated files; not used at run time.

``python -m pumpfun_async._tools.sync_stub`` writes ``_sync.pyi``; ``--check`` exits 1
when the committed file differs from what it would write (CI runs that).
"""
