"""authentication.k8s.io/v1: TokenRequest, the body of `serviceaccounts/token`.

Mirrors the TokenRequest types of `k8s.io/api/authentication/v1/types.go`.
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.meta_v1 import ATOMIC_LIST, ObjectMeta, Time

_API_VERSION = "Versioned schema of this representation of an object."
_KIND = "REST resource this object represents, in CamelCase."


class BoundObjectReference(KubeModel):
    """An object the token is bound to; the token is invalid once that object is gone."""
    kind: str | None = Field(None, description="Kind of the referent: Pod, Secret or Node.")
    api_version: str | None = Field(None, alias="apiVersion", description="API version of the referent.")
    name: str | None = Field(None, description="Name of the referent.")
    uid: str | None = Field(None, description="UID of the referent.")


class TokenRequestSpec(KubeModel):
    """The parameters of a token request."""
    audiences: list[str] | None = Field(
        None, description="Intended audiences of the token; empty means the api-server's own.",
        json_schema_extra=ATOMIC_LIST)
    expiration_seconds: int | None = Field(
        None, description="Requested validity of the token in seconds; the server may shorten it.")
    bound_object_ref: BoundObjectReference | None = Field(
        None, description="Object the token is bound to; its deletion invalidates the token.")


class TokenRequestStatus(KubeModel):
    """The result of a token request."""
    token: str | None = Field(None, description="The opaque bearer token.")
    expiration_timestamp: Time | None = Field(None, description="Time of expiration of the token.")


class TokenRequest(KubeModel):
    """Requests a token for a given service account."""
    GVK: ClassVar[tuple[str, str, str]] = ("authentication.k8s.io", "v1", "TokenRequest")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description="Standard object's metadata.")
    spec: TokenRequestSpec | None = Field(None, description="Information about the requested token.")
    status: TokenRequestStatus | None = Field(
        None, description="Filled in by the server: the issued token or an error.")
