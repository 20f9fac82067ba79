"""One boundary rule for the whole package: only `ApiError`s leave a public patch function.

Patches are untrusted input. The engines raise `BadRequest`/`Invalid`/`Conflict` themselves for
every malformed case they recognise; this decorator turns anything they did not foresee (a
pathological nesting depth, a type they never expected) into a 400 instead of a 500.
"""
from __future__ import annotations

import functools
from typing import Callable, TypeVar

from machinery.api.errors import ApiError, BadRequest

F = TypeVar("F", bound=Callable)


def api_errors_only(what: str) -> Callable[[F], F]:
    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except ApiError:
                raise
            except RecursionError:
                raise BadRequest(f"{what}: the document is nested too deeply") from None
            except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
                raise BadRequest(f"{what}: {exc}") from None
        return inner  # type: ignore[return-value]
    return wrap
