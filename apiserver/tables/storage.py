"""Rows of PersistentVolume, PersistentVolumeClaim and StorageClass."""
from __future__ import annotations

from datetime import datetime

from apiserver.tables.columns import Column, Printer, age_col, col, name_col
from apiserver.tables.duration import since
from apiserver.tables.fields import get, has, mapping, opt_bool, strings, quantity, text

BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"
DEFAULT_CLASS_ANNOTATIONS = ("storageclass.kubernetes.io/is-default-class",
                             "storageclass.beta.kubernetes.io/is-default-class")
_MODE_ABBREVIATIONS = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"),
                       ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP"))


def _age(obj: dict, now: datetime) -> str:
    return since(get(obj, "metadata", "creationTimestamp"), now)


def access_modes(modes: list[str]) -> str:
    """`RWO,RWX`, always in upstream's fixed order."""
    return ",".join(short for mode, short in _MODE_ABBREVIATIONS if mode in modes)


def _class_of(obj: dict) -> str:
    """The beta annotation wins over spec.storageClassName, as upstream's helpers decide."""
    annotations = mapping(obj, "metadata", "annotations")
    if BETA_CLASS_ANNOTATION in annotations:
        value = annotations[BETA_CLASS_ANNOTATION]
        return value if isinstance(value, str) else ""
    return text(obj, "spec", "storageClassName")


def _attributes_class(obj: dict) -> str:
    value = get(obj, "spec", "volumeAttributesClassName")
    return value if isinstance(value, str) else "<unset>"


def _volume_mode(obj: dict) -> str:
    value = get(obj, "spec", "volumeMode")
    return value if isinstance(value, str) else "<unset>"


def _phase(obj: dict) -> str:
    if has(obj, "metadata", "deletionTimestamp"):
        return "Terminating"
    return text(obj, "status", "phase")


def _pv_cells(obj: dict, now: datetime) -> list:
    claim = ""
    if has(obj, "spec", "claimRef"):
        ref = get(obj, "spec", "claimRef")
        claim = f"{text(ref, 'namespace')}/{text(ref, 'name')}"
    return [text(obj, "metadata", "name"), quantity(get(obj, "spec", "capacity", "storage")),
            access_modes(strings(obj, "spec", "accessModes")),
            text(obj, "spec", "persistentVolumeReclaimPolicy"), _phase(obj), claim,
            _class_of(obj), _attributes_class(obj), text(obj, "status", "reason"),
            _age(obj, now), _volume_mode(obj)]


PERSISTENT_VOLUME = Printer(
    (name_col(), col("Capacity", "capacity is the description of the persistent volume's "
                                 "resources and capacity."),
     col("Access Modes", "accessModes contains all ways the volume can be mounted."),
     col("Reclaim Policy", "persistentVolumeReclaimPolicy defines what happens to a persistent "
                           "volume when released from its claim."),
     col("Status", "phase indicates if a volume is available, bound to a claim, or released "
                   "by a claim."),
     col("Claim", "claimRef is part of a bi-directional binding between PersistentVolume and "
                  "PersistentVolumeClaim."),
     col("StorageClass", "StorageClass of the pv"),
     col("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
     col("Reason", "reason is a brief CamelCase string that describes any failure."),
     age_col(),
     Column("VolumeMode", "string", "volumeMode defines if a volume is intended to be used "
                                    "with a formatted filesystem or to remain in raw block "
                                    "state.", 1)),
    _pv_cells)


def _pvc_cells(obj: dict, now: datetime) -> list:
    capacity, modes = "", ""
    if text(obj, "spec", "volumeName"):
        modes = access_modes(strings(obj, "status", "accessModes"))
        capacity = quantity(get(obj, "status", "capacity", "storage"))
    return [text(obj, "metadata", "name"), _phase(obj), text(obj, "spec", "volumeName"),
            capacity, modes, _class_of(obj), _attributes_class(obj), _age(obj, now),
            _volume_mode(obj)]


PERSISTENT_VOLUME_CLAIM = Printer(
    (name_col(), col("Status", "phase represents the current phase of PersistentVolumeClaim."),
     col("Volume", "volumeName is the binding reference to the PersistentVolume backing this "
                   "claim."),
     col("Capacity", "capacity represents the actual resources of the underlying volume."),
     col("Access Modes", "accessModes contains the actual access modes the volume backing the "
                         "PVC has."),
     col("StorageClass", "StorageClass of the pvc"),
     col("VolumeAttributesClass", "VolumeAttributesClass of the pvc"), age_col(),
     Column("VolumeMode", "string", "volumeMode defines what type of volume is required by "
                                    "the claim.", 1)),
    _pvc_cells)


def _is_default_class(obj: dict) -> bool:
    annotations = mapping(obj, "metadata", "annotations")
    return any(annotations.get(key) == "true" for key in DEFAULT_CLASS_ANNOTATIONS)


def _storage_class_cells(obj: dict, now: datetime) -> list:
    name = text(obj, "metadata", "name") + (" (default)" if _is_default_class(obj) else "")
    reclaim = get(obj, "reclaimPolicy")
    binding = get(obj, "volumeBindingMode")
    return [name, text(obj, "provisioner"),
            reclaim if isinstance(reclaim, str) else "Delete",
            binding if isinstance(binding, str) else "Immediate",
            opt_bool(obj, "allowVolumeExpansion") is True, _age(obj, now)]


STORAGE_CLASS = Printer(
    (name_col(), col("Provisioner", "provisioner indicates the type of the provisioner."),
     col("ReclaimPolicy", "reclaimPolicy controls the reclaimPolicy for dynamically "
                          "provisioned PersistentVolumes of this storage class."),
     col("VolumeBindingMode", "volumeBindingMode indicates how PersistentVolumeClaims should "
                              "be provisioned and bound."),
     col("AllowVolumeExpansion", "allowVolumeExpansion shows whether the storage class allow "
                                 "volume expand."),
     age_col()),
    _storage_class_cells)
