"""The registry of typed wire models: which pydantic class describes a group/version/kind.

Every model module mirrors one upstream Go package; `MODULES` says which, so that the OpenAPI
builder can name schemas as upstream does (`io.k8s.api.apps.v1.Deployment`). A module may keep its
types in topic modules and re-export them (`core_v1` from `core_v1_pod`, `core_v1_service`, ...):
those belong to the same package. Modules are imported on first use, which keeps this registry
free of import cycles.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from machinery.api.base import KubeModel


@dataclass(frozen=True)
class ModelModule:
    group: str
    version: str
    module: str          # machinery.api.<module>
    go_package: str      # the OpenAPI name prefix of its schemas


MODULES: tuple[ModelModule, ...] = (
    ModelModule("", "v1", "core_v1", "io.k8s.api.core.v1"),
    ModelModule("", "v1", "meta_v1", "io.k8s.apimachinery.pkg.apis.meta.v1"),
    ModelModule("apps", "v1", "apps_v1", "io.k8s.api.apps.v1"),
    ModelModule("authentication.k8s.io", "v1", "authentication_v1", "io.k8s.api.authentication.v1"),
    ModelModule("authorization.k8s.io", "v1", "authorization_v1", "io.k8s.api.authorization.v1"),
    ModelModule("autoscaling", "v1", "autoscaling_v1", "io.k8s.api.autoscaling.v1"),
    ModelModule("autoscaling", "v2", "autoscaling_v2", "io.k8s.api.autoscaling.v2"),
    ModelModule("batch", "v1", "batch_v1", "io.k8s.api.batch.v1"),
    ModelModule("coordination.k8s.io", "v1", "coordination_v1", "io.k8s.api.coordination.v1"),
    ModelModule("discovery.k8s.io", "v1", "discovery_v1", "io.k8s.api.discovery.v1"),
    ModelModule("events.k8s.io", "v1", "events_v1", "io.k8s.api.events.v1"),
    ModelModule("networking.k8s.io", "v1", "networking_v1", "io.k8s.api.networking.v1"),
    ModelModule("networking.k8s.io", "v1beta1", "networking_v1beta1", "io.k8s.api.networking.v1beta1"),
    ModelModule("policy", "v1", "policy_v1", "io.k8s.api.policy.v1"),
    ModelModule("rbac.authorization.k8s.io", "v1", "rbac_v1", "io.k8s.api.rbac.v1"),
    ModelModule("storage.k8s.io", "v1", "storage_v1", "io.k8s.api.storage.v1"),
)

_PREFIX = "machinery.api."


def load(module: str) -> ModuleType:
    return importlib.import_module(_PREFIX + module)


def entry_for(python_module: str) -> ModelModule | None:
    """The registry entry a Python module belongs to: `machinery.api.core_v1_pod` -> core_v1."""
    if not python_module.startswith(_PREFIX):
        return None
    name = python_module[len(_PREFIX):]
    return next((m for m in MODULES if name == m.module or name.startswith(m.module + "_")), None)


def module_models(module: str) -> list[type[KubeModel]]:
    """The model classes of one registry module, its topic modules included, not its imports."""
    mod = load(module)
    return [obj for obj in vars(mod).values()
            if isinstance(obj, type) and issubclass(obj, KubeModel) and obj is not KubeModel
            and (entry := entry_for(obj.__module__)) is not None and entry.module == module]


def go_package(cls: type[KubeModel]) -> str | None:
    """`io.k8s.api.apps.v1` for a class of apps_v1; None for a class outside the registry."""
    entry = entry_for(cls.__module__)
    return entry.go_package if entry else None


@cache
def _index() -> dict[tuple[str, str, str], type[KubeModel]]:
    index: dict[tuple[str, str, str], type[KubeModel]] = {}
    for entry in MODULES:
        for cls in module_models(entry.module):
            gvk = getattr(cls, "GVK", None)
            if gvk:
                index.setdefault(tuple(gvk), cls)
    return index


def model_for(group: str, version: str, kind: str) -> type[KubeModel] | None:
    """The model of a kind, e.g. `model_for("apps", "v1", "Deployment")`.

    A class declares its kind with a `GVK` ClassVar; a class named after the kind in the module of
    that group/version is accepted too, so that core kinds work without one.
    """
    found = _index().get((group, version, kind))
    if found is not None:
        return found
    for entry in MODULES:
        if (entry.group, entry.version) == (group, version):
            cls = getattr(load(entry.module), kind, None)
            if isinstance(cls, type) and issubclass(cls, KubeModel) and "GVK" not in vars(cls):
                return cls
    return None


def all_models() -> list[type[KubeModel]]:
    """Every model class of every registered module, in registry order."""
    return [cls for entry in MODULES for cls in module_models(entry.module)]
