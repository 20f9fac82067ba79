"""Kubernetes `Status` errors, shared by the api-server (raises, renders) and clients (parse, raise).

Each error knows its HTTP code and `reason`, and renders as the `kind: Status` body that kubectl
prints as `Error from server (<reason>): <message>`.
"""
from __future__ import annotations

from typing import Any


class ApiError(Exception):
    code = 500
    reason = "InternalError"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None,
                 code: int | None = None, reason: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if code is not None:
            self.code = code
        if reason is not None:
            self.reason = reason

    def to_status(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": self.message, "reason": self.reason, "code": self.code,
        }
        if self.details:
            status["details"] = self.details
        return status

    @staticmethod
    def from_status(status: dict[str, Any], http_code: int | None = None) -> "ApiError":
        """Rebuild the typed error a server sent (used by clients)."""
        code = status.get("code") or http_code or 500
        reason = status.get("reason") or ""
        cls = _BY_REASON.get(reason) or _BY_CODE.get(code) or ApiError
        err = cls.__new__(cls)
        ApiError.__init__(err, status.get("message", ""), details=status.get("details"),
                          code=code, reason=reason or cls.reason)
        return err


def _details(kind: str, name: str | None, group: str = "") -> dict[str, Any]:
    d: dict[str, Any] = {"kind": kind}
    if name is not None:
        d["name"] = name
    if group:
        d["group"] = group
    return d


def qualified(plural: str, group: str) -> str:
    """`deployments.apps`, or `pods` for the core group, as upstream words its messages."""
    return f"{plural}.{group}" if group else plural


class BadRequest(ApiError):
    code, reason = 400, "BadRequest"


class Unauthorized(ApiError):
    code, reason = 401, "Unauthorized"


class Forbidden(ApiError):
    code, reason = 403, "Forbidden"


class NotFound(ApiError):
    code, reason = 404, "NotFound"

    @classmethod
    def object(cls, plural: str, group: str, name: str) -> "NotFound":
        return cls(f'{qualified(plural, group)} "{name}" not found',
                   details=_details(plural, name, group))

    @classmethod
    def path(cls) -> "NotFound":
        return cls("the server could not find the requested resource", details={})


class MethodNotAllowed(ApiError):
    code, reason = 405, "MethodNotAllowed"


class NotAcceptable(ApiError):
    code, reason = 406, "NotAcceptable"


class AlreadyExists(ApiError):
    code, reason = 409, "AlreadyExists"

    @classmethod
    def object(cls, plural: str, group: str, name: str) -> "AlreadyExists":
        return cls(f'{qualified(plural, group)} "{name}" already exists',
                   details=_details(plural, name, group))


class Conflict(ApiError):
    code, reason = 409, "Conflict"

    @classmethod
    def stale(cls, plural: str, group: str, name: str) -> "Conflict":
        return cls(f'Operation cannot be fulfilled on {qualified(plural, group)} "{name}": '
                   "the object has been modified; please apply your changes to the latest "
                   "version and try again", details=_details(plural, name, group))


class Gone(ApiError):
    """A watch or list from a compacted resourceVersion; upstream says reason Expired."""
    code, reason = 410, "Expired"


class RequestEntityTooLarge(ApiError):
    code, reason = 413, "RequestEntityTooLarge"


class UnsupportedMediaType(ApiError):
    code, reason = 415, "UnsupportedMediaType"


class Invalid(ApiError):
    code, reason = 422, "Invalid"

    @classmethod
    def fields(cls, kind: str, name: str, causes: list[dict[str, str]],
               group: str = "") -> "Invalid":
        """causes: [{"reason": "FieldValueRequired", "message": "...", "field": "spec.x"}]."""
        parts = "; ".join(f'{c["field"]}: {c["message"]}' if c.get("field") else c["message"]
                          for c in causes)
        what = f"{kind}.{group}" if group else kind
        msg = f'{what} "{name}" is invalid: {parts}' if len(causes) <= 1 else \
            f'{what} "{name}" is invalid: [{parts.replace("; ", ", ")}]'
        details = _details(kind, name, group)
        details["causes"] = causes
        return cls(msg, details=details)


class TooManyRequests(ApiError):
    code, reason = 429, "TooManyRequests"


class InternalError(ApiError):
    code, reason = 500, "InternalError"


class ServiceUnavailable(ApiError):
    code, reason = 503, "ServiceUnavailable"


class Timeout(ApiError):
    code, reason = 504, "Timeout"


_BY_REASON: dict[str, type[ApiError]] = {
    c.reason: c for c in (BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed,
                          NotAcceptable, AlreadyExists, Conflict, Gone, RequestEntityTooLarge,
                          UnsupportedMediaType, Invalid, TooManyRequests, InternalError,
                          ServiceUnavailable, Timeout)
}
_BY_REASON["Gone"] = Gone
_BY_CODE: dict[int, type[ApiError]] = {c.code: c for c in reversed(list(_BY_REASON.values()))}


def cause(field: str, message: str, reason: str = "FieldValueInvalid") -> dict[str, str]:
    """One entry of an Invalid error's details.causes, as upstream's field.Error renders it."""
    return {"reason": reason, "message": message, "field": field}
