"""autoscaling/v1: Scale, the body of every `scale` subresource.

Mirrors the Scale types of `k8s.io/api/autoscaling/v1/types.go` (the v1 HorizontalPodAutoscaler
is not served; autoscaling/v2 is).
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.meta_v1 import ObjectMeta

_API_VERSION = "Versioned schema of this representation of an object."
_KIND = "REST resource this object represents, in CamelCase."


class ScaleSpec(KubeModel):
    """The attributes of a scale subresource."""
    replicas: int | None = Field(None, description="Desired number of instances for the scaled object.")


class ScaleStatus(KubeModel):
    """The current status of a scale subresource."""
    replicas: int | None = Field(None, description="Actual number of observed instances of the scaled object.")
    selector: str | None = Field(
        None, description="Label query over pods that should match the replica count, in the string "
        "form used by query parameters, e.g. app=web.")


class Scale(KubeModel):
    """A scaling request for a resource."""
    GVK: ClassVar[tuple[str, str, str]] = ("autoscaling", "v1", "Scale")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description="Standard object metadata.")
    spec: ScaleSpec | None = Field(None, description="The desired behaviour of the scale.")
    status: ScaleStatus | None = Field(
        None, description="The current status of the scale; read-only, may lag the spec.")
