"""PersistentVolumes and PersistentVolumeClaims (core/v1)."""
from __future__ import annotations

import copy
from datetime import datetime, timezone

from .fielderr import NOT_POSITIVE, forbidden, immutable, invalid, not_supported, required
from .labels import validate_label_selector
from .names import validate_dns1123_subdomain
from .pod_defaults import canonicalize_resource_list
from .quantity import format_quantity, parse_quantity
from .strategy import Strategy
from .typed import Errs, ensure, get_list, get_map, get_str, set_default, set_default_str, sub

ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")
RECLAIM_POLICIES = ("Delete", "Recycle", "Retain")
VOLUME_MODES = ("Block", "Filesystem")
PV_SOURCES = (
    "gcePersistentDisk", "awsElasticBlockStore", "hostPath", "glusterfs", "nfs", "rbd", "iscsi",
    "cinder", "cephfs", "fc", "flocker", "flexVolume", "azureFile", "vsphereVolume", "quobyte",
    "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "local", "storageos", "csi",
)


def now_rfc3339() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def default_pvc_spec(spec: dict | None) -> None:
    if spec is None:
        return
    set_default(spec, "volumeMode", "Filesystem")
    resources = sub(spec, "resources")
    for key in ("requests", "limits"):
        canonicalize_resource_list(sub(resources, key))


def _validate_access_modes(errs: Errs, spec: dict, path: str, detail: str) -> list[str]:
    modes = get_list(errs, spec, "accessModes", path)
    if not modes:
        errs.append(required(path, detail))
    for mode in modes:
        if mode not in ACCESS_MODES:
            errs.append(not_supported(path, mode, ACCESS_MODES))
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        errs.append(forbidden(path, "may not use ReadWriteOncePod with other access modes"))
    return modes


def _positive_storage(errs: Errs, raw: object, path: str) -> None:
    try:
        value = parse_quantity(raw)
    except ValueError as exc:
        errs.append(invalid(path, raw, str(exc)))
        return
    if value <= 0:
        errs.append(invalid(path, format_quantity(value), NOT_POSITIVE))


def _volume_mode(errs: Errs, spec: dict, path: str) -> None:
    mode = spec.get("volumeMode")
    if mode is not None and mode not in VOLUME_MODES:
        errs.append(not_supported(f"{path}.volumeMode", mode, VOLUME_MODES))


def _storage_class(errs: Errs, spec: dict, path: str) -> None:
    name = get_str(errs, spec, "storageClassName", f"{path}.storageClassName")
    if name:
        errs.extend(invalid(f"{path}.storageClassName", name, m)
                    for m in validate_dns1123_subdomain(name))


def validate_pvc_spec(errs: Errs, spec: dict, path: str) -> None:
    _validate_access_modes(errs, spec, f"{path}.accessModes", "at least 1 access mode is required")
    errs.extend(validate_label_selector(spec.get("selector"), f"{path}.selector"))
    resources = get_map(errs, spec, "resources", f"{path}.resources")
    requests = get_map(errs, resources, "requests", f"{path}.resources.requests")
    if "storage" not in requests:
        errs.append(required(f"{path}.resources.requests[storage]"))
    else:
        _positive_storage(errs, requests["storage"], f"{path}.resources.requests[storage]")
    _volume_mode(errs, spec, path)
    _storage_class(errs, spec, path)


class PersistentVolumeClaimStrategy(Strategy):
    reset_status_on_create = True

    def initial_status(self, obj: dict) -> dict:
        return {"phase": "Pending"}

    def default_object(self, obj: dict) -> None:
        default_pvc_spec(ensure(obj, "spec"))
        set_default_str(ensure(obj, "status"), "phase", "Pending")

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        spec = get_map(errs, obj, "spec", "spec")
        validate_pvc_spec(errs, spec, "spec")
        if old is not None:
            errs.extend(_validate_pvc_update(spec, sub(old, "spec") or {}))
        return errs


def _validate_pvc_update(spec: dict, old_spec: dict) -> Errs:
    """Only requests (growing), a first volumeName and volumeAttributesClassName may change."""
    errs: Errs = []
    new, old = copy.deepcopy(spec), copy.deepcopy(old_spec)
    if not old.get("volumeName"):
        old["volumeName"] = new.get("volumeName")
        if old["volumeName"] is None:
            old.pop("volumeName")
    for s in (new, old):
        s.pop("volumeAttributesClassName", None)
        requests = sub(sub(s, "resources"), "requests")
        if requests is not None:
            requests.pop("storage", None)
    if new != old:
        errs.append(forbidden("spec", "spec is immutable after creation except resources.requests "
                                      "and volumeAttributesClassName for bound claims"))
    try:
        new_size = parse_quantity(((spec.get("resources") or {}).get("requests") or {})
                                  .get("storage"))
        old_size = parse_quantity(((old_spec.get("resources") or {}).get("requests") or {})
                                  .get("storage"))
    except (ValueError, AttributeError):
        return errs
    if new_size < old_size:
        errs.append(forbidden("spec.resources.requests.storage",
                              "field can not be less than previous value"))
    return errs


class PersistentVolumeStrategy(Strategy):
    reset_status_on_create = True

    def initial_status(self, obj: dict) -> dict:
        return {"phase": "Pending", "lastPhaseTransitionTime": now_rfc3339()}

    def default_object(self, obj: dict) -> None:
        spec = ensure(obj, "spec")
        set_default_str(spec, "persistentVolumeReclaimPolicy", "Retain")
        set_default(spec, "volumeMode", "Filesystem")
        set_default(sub(spec, "hostPath"), "type", "")
        canonicalize_resource_list(sub(spec, "capacity"))
        set_default_str(ensure(obj, "status"), "phase", "Pending")

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        spec = get_map(errs, obj, "spec", "spec")
        _validate_access_modes(errs, spec, "spec.accessModes", "")
        capacity = get_map(errs, spec, "capacity", "spec.capacity")
        if not capacity:
            errs.append(required("spec.capacity"))
        elif "storage" not in capacity or len(capacity) > 1:
            errs.append(not_supported("spec.capacity", capacity, ("storage",)))
        else:
            _positive_storage(errs, capacity["storage"], "spec.capacity[storage]")
        sources = [k for k in PV_SOURCES if spec.get(k) is not None]
        if not sources:
            errs.append(required("spec", "must specify a volume type"))
        for extra in sources[1:]:
            errs.append(forbidden(f"spec.{extra}", "may not specify more than 1 volume type"))
        if spec.get("hostPath") is not None:
            host_path = get_map(errs, spec, "hostPath", "spec.hostPath")
            if not get_str(errs, host_path, "path", "spec.hostPath.path"):
                errs.append(required("spec.hostPath.path"))
        policy = spec.get("persistentVolumeReclaimPolicy")
        if policy and policy not in RECLAIM_POLICIES:
            errs.append(not_supported("spec.persistentVolumeReclaimPolicy", policy,
                                      RECLAIM_POLICIES))
        _volume_mode(errs, spec, "spec")
        _storage_class(errs, spec, "spec")
        if old is not None:
            old_spec = sub(old, "spec") or {}
            source = {k: spec.get(k) for k in PV_SOURCES if spec.get(k) is not None}
            old_source = {k: old_spec.get(k) for k in PV_SOURCES if old_spec.get(k) is not None}
            if source != old_source:
                errs.append(immutable("spec.persistentvolumesource", source))
            if spec.get("volumeMode") != old_spec.get("volumeMode"):
                errs.append(immutable("spec.volumeMode", spec.get("volumeMode")))
        return errs
