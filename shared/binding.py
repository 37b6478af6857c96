"""How every service hands effects to its use cases: by signature.

A use case names what it may touch as keyword-only parameters (`sessions`,
`registry`, `store`, …). `bind(deps, handler)` fills exactly those from the
service's `Deps` (the one composition root, bootstrap.py), so a signature is the
list of what the code can reach, and a test passes fakes under the same names.
Positional parameters — the request, the event — stay the caller's.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable


@functools.lru_cache(maxsize=None)
def _effects(handler: Callable) -> tuple[str, ...]:
    return tuple(name for name, p in inspect.signature(handler).parameters.items()
                 if p.kind is inspect.Parameter.KEYWORD_ONLY)


def call(deps: Any, handler: Callable, /, *args, **kwargs):
    """handler(*args, **kwargs, + every keyword-only effect `deps` has and the caller didn't pass)."""
    effects = {name: getattr(deps, name) for name in _effects(handler) if name not in kwargs and hasattr(deps, name)}
    return handler(*args, **kwargs, **effects)


def bind(deps: Any, handler: Callable) -> Callable:
    """`handler` with its effects filled in: for tables of handlers (events, routes, loops)."""
    @functools.wraps(handler)
    def bound(*args, **kwargs):
        return call(deps, handler, *args, **kwargs)
    return bound
