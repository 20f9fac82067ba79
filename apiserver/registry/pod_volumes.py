"""Pod volume validation (upstream's validateVolumes / validateVolumeSource, common sources)."""
from __future__ import annotations

import posixpath

from .fielderr import duplicate, forbidden, invalid, not_supported, required
from .names import validate_config_map_key, validate_dns1123_label
from .quantity import parse_quantity
from .typed import Errs, get_int, get_map, get_str, items

VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret",
    "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder",
    "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume",
    "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO",
    "storageos", "csi", "ephemeral", "image",
)
HOST_PATH_TYPES = ("", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File",
                   "FileOrCreate", "Socket")
FILE_MODE_ERROR = "must be a number between 0 and 0777 (octal), both inclusive"
VOLUME_FIELD_PATHS = ("metadata.annotations", "metadata.labels", "metadata.name",
                      "metadata.namespace", "metadata.uid")


def validate_volumes(errs: Errs, spec: dict, path: str) -> dict[str, dict]:
    """Checks spec.volumes; returns the volumes by name for the volumeMount checks."""
    seen: dict[str, dict] = {}
    for _, p, vol in items(errs, spec, "volumes", path):
        name = get_str(errs, vol, "name", f"{p}.name")
        _validate_source(errs, vol, p)
        if not name:
            errs.append(required(f"{p}.name"))
        else:
            errs.extend(invalid(f"{p}.name", name, m) for m in validate_dns1123_label(name))
        if name in seen:
            errs.append(duplicate(f"{p}.name", name))
        seen[name] = vol
    return seen


def _validate_source(errs: Errs, vol: dict, path: str) -> None:
    present = [k for k in VOLUME_SOURCES if vol.get(k) is not None]
    if not present:
        errs.append(required(path, "must specify a volume type"))
        return
    for extra in present[1:]:
        errs.append(forbidden(f"{path}.{extra}", "may not specify more than 1 volume type"))
    key = present[0]
    source = get_map(errs, vol, key, f"{path}.{key}")
    check = _SOURCE_CHECKS.get(key)
    if check:
        check(errs, source, f"{path}.{key}")


def _host_path(errs: Errs, src: dict, path: str) -> None:
    p = get_str(errs, src, "path", f"{path}.path")
    if not p:
        errs.append(required(f"{path}.path"))
    elif ".." in p.split("/"):
        errs.append(invalid(f"{path}.path", p, "must not contain '..'"))
    kind = src.get("type")
    if kind is not None and kind not in HOST_PATH_TYPES:
        errs.append(not_supported(f"{path}.type", kind, HOST_PATH_TYPES))


def _empty_dir(errs: Errs, src: dict, path: str) -> None:
    limit = src.get("sizeLimit")
    if limit is None:
        return
    try:
        if parse_quantity(limit) < 0:
            errs.append(forbidden(f"{path}.sizeLimit",
                                  "SizeLimit field must be a valid resource quantity"))
    except ValueError as exc:
        errs.append(invalid(f"{path}.sizeLimit", limit, str(exc)))


def _secret(errs: Errs, src: dict, path: str) -> None:
    if not get_str(errs, src, "secretName", f"{path}.secretName"):
        errs.append(required(f"{path}.secretName"))
    _mode(errs, src, "defaultMode", path)
    _key_to_paths(errs, src, path)


def _config_map(errs: Errs, src: dict, path: str) -> None:
    if not get_str(errs, src, "name", f"{path}.name"):
        errs.append(required(f"{path}.name"))
    _mode(errs, src, "defaultMode", path)
    _key_to_paths(errs, src, path)


def _pvc(errs: Errs, src: dict, path: str) -> None:
    if not get_str(errs, src, "claimName", f"{path}.claimName"):
        errs.append(required(f"{path}.claimName"))


def _nfs(errs: Errs, src: dict, path: str) -> None:
    if not get_str(errs, src, "server", f"{path}.server"):
        errs.append(required(f"{path}.server"))
    p = get_str(errs, src, "path", f"{path}.path")
    if not p:
        errs.append(required(f"{path}.path"))
    elif not p.startswith("/"):
        errs.append(invalid(f"{path}.path", p, "must be an absolute path"))


def _downward_api(errs: Errs, src: dict, path: str) -> None:
    _mode(errs, src, "defaultMode", path)
    for _, p, item in items(errs, src, "items", f"{path}.items"):
        validate_relative_path(errs, get_str(errs, item, "path", f"{p}.path"), f"{p}.path")
        _mode(errs, item, "mode", p)
        ref = get_map(errs, item, "fieldRef", f"{p}.fieldRef")
        if ref:
            field_path = get_str(errs, ref, "fieldPath", f"{p}.fieldRef.fieldPath")
            base = field_path.split("[", 1)[0]
            if not field_path:
                errs.append(required(f"{p}.fieldRef.fieldPath"))
            elif base not in VOLUME_FIELD_PATHS:
                errs.append(not_supported(f"{p}.fieldRef.fieldPath", field_path,
                                          VOLUME_FIELD_PATHS))


def _projected(errs: Errs, src: dict, path: str) -> None:
    _mode(errs, src, "defaultMode", path)
    for _, p, source in items(errs, src, "sources", f"{path}.sources"):
        kinds = [k for k in ("secret", "configMap", "downwardAPI", "serviceAccountToken",
                             "clusterTrustBundle") if source.get(k) is not None]
        if len(kinds) > 1:
            errs.append(forbidden(f"{p}.{kinds[1]}",
                                  "may not specify more than 1 volume type per source"))
        token = get_map(errs, source, "serviceAccountToken", f"{p}.serviceAccountToken")
        seconds = get_int(errs, token, "expirationSeconds",
                          f"{p}.serviceAccountToken.expirationSeconds")
        if seconds is not None and seconds < 600:
            errs.append(invalid(f"{p}.serviceAccountToken.expirationSeconds", seconds,
                                "may not specify a duration less than 10 minutes"))
        if token and not get_str(errs, token, "path", f"{p}.serviceAccountToken.path"):
            errs.append(required(f"{p}.serviceAccountToken.path"))


def _mode(errs: Errs, obj: dict, key: str, path: str) -> None:
    mode = get_int(errs, obj, key, f"{path}.{key}")
    if mode is not None and not 0 <= mode <= 0o777:
        errs.append(invalid(f"{path}.{key}", mode, FILE_MODE_ERROR))


def _key_to_paths(errs: Errs, src: dict, path: str) -> None:
    for _, p, item in items(errs, src, "items", f"{path}.items"):
        key = get_str(errs, item, "key", f"{p}.key")
        if not key:
            errs.append(required(f"{p}.key"))
        else:
            errs.extend(invalid(f"{p}.key", key, m) for m in validate_config_map_key(key))
        validate_relative_path(errs, get_str(errs, item, "path", f"{p}.path"), f"{p}.path")
        _mode(errs, item, "mode", p)


def validate_relative_path(errs: Errs, value: str, path: str) -> None:
    """validateLocalNonReservedPath: relative, no '..' steps, not starting with '..'."""
    if not value:
        errs.append(required(path))
        return
    validate_descending_path(errs, value, path)
    if value.startswith(".."):
        errs.append(invalid(path, value, "must not start with '..'"))


def validate_descending_path(errs: Errs, value: str, path: str) -> None:
    if posixpath.isabs(value):
        errs.append(invalid(path, value, "must be a relative path"))
    if ".." in value.replace("\\", "/").split("/"):
        errs.append(invalid(path, value, "must not contain '..'"))


_SOURCE_CHECKS = {
    "hostPath": _host_path, "emptyDir": _empty_dir, "secret": _secret,
    "configMap": _config_map, "persistentVolumeClaim": _pvc, "nfs": _nfs,
    "downwardAPI": _downward_api, "projected": _projected,
}
