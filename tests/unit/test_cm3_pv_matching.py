"""The binder's pure decisions: which volume a claim gets, which class is the default, and the
volume the hostPath provisioner makes for a claim."""
from __future__ import annotations

import pytest

from controller_manager.controllers.hostpath_provisioner import (PROVISIONER, to_delete,
                                                                 volume_for, wants_volume)
from controller_manager.controllers.pvbinder import best_match, default_class, fits, has_no_class

pytestmark = pytest.mark.unit


def pv(name, size, cls="fast", modes=("ReadWriteOnce",), labels=None, claim_ref=None,
       phase="Available", **spec):
    return {"metadata": {"name": name, "labels": labels or {}},
            "spec": {"capacity": {"storage": size}, "accessModes": list(modes),
                     "storageClassName": cls, **({"claimRef": claim_ref} if claim_ref else {}),
                     **spec},
            "status": {"phase": phase}}


def pvc(size="1Gi", modes=("ReadWriteOnce",), name="data", **spec):
    return {"metadata": {"name": name, "namespace": "ns", "uid": "u-1", "resourceVersion": "7"},
            "spec": {"accessModes": list(modes), "resources": {"requests": {"storage": size}},
                     **spec}}


def test_smallest_fitting_volume_wins():
    volumes = [pv("big", "10Gi"), pv("small", "2Gi"), pv("tiny", "500Mi")]
    assert best_match(volumes, pvc("1Gi"), "fast")["metadata"]["name"] == "small"


def test_class_access_modes_mode_and_selector_must_match():
    claim = pvc("1Gi", modes=("ReadWriteMany",))
    assert not fits(pv("a", "5Gi"), claim, "fast")                     # modes
    assert fits(pv("a", "5Gi", modes=("ReadWriteOnce", "ReadWriteMany")), claim, "fast")
    assert not fits(pv("a", "5Gi"), pvc(), "slow")                      # class
    assert not fits(pv("a", "5Gi", volumeMode="Block"), pvc(), "fast")  # volume mode
    selected = pvc(selector={"matchLabels": {"disk": "ssd"}})
    assert not fits(pv("a", "5Gi"), selected, "fast")
    assert fits(pv("a", "5Gi", labels={"disk": "ssd"}), selected, "fast")


def test_volume_bound_elsewhere_is_skipped_and_prebound_one_wins():
    other = {"namespace": "ns", "name": "other", "uid": "u-9"}
    mine = {"namespace": "ns", "name": "data"}
    volumes = [pv("taken", "1Gi", claim_ref=other), pv("free", "1Gi"),
               pv("reserved", "8Gi", claim_ref=mine)]
    assert best_match(volumes, pvc(), "fast")["metadata"]["name"] == "reserved"
    assert best_match(volumes[:2], pvc(), "fast")["metadata"]["name"] == "free"
    assert best_match([pv("old", "1Gi", phase="Released")], pvc(), "fast") is None


def test_default_class_is_the_newest_annotated_one():
    def sc(name, created, default):
        ann = {"storageclass.kubernetes.io/is-default-class": "true"} if default else {}
        return {"metadata": {"name": name, "creationTimestamp": created, "annotations": ann}}
    classes = [sc("a", "2024-01-01T00:00:00Z", True), sc("b", "2024-02-01T00:00:00Z", True),
               sc("c", "2024-03-01T00:00:00Z", False)]
    assert default_class(classes)["metadata"]["name"] == "b"
    assert default_class(classes[2:]) is None


def test_no_class_differs_from_empty_class():
    assert has_no_class(pvc())
    assert not has_no_class(pvc(storageClassName=""))


def test_provisioned_volume_is_prebound_and_sized_like_the_claim():
    claim = pvc("3Gi", modes=("ReadWriteOnce",), storageClassName="standard")
    claim["metadata"]["annotations"] = {"volume.kubernetes.io/storage-provisioner": PROVISIONER}
    assert wants_volume(claim)
    volume = volume_for(claim, {"metadata": {"name": "standard"}, "reclaimPolicy": "Retain"},
                        "/var/pv")
    assert volume["metadata"]["name"] == "pvc-u-1"
    assert volume["spec"]["capacity"] == {"storage": "3Gi"}
    assert volume["spec"]["hostPath"]["path"] == "/var/pv/pvc-u-1_ns_data"
    assert volume["spec"]["claimRef"]["uid"] == "u-1"
    assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert not to_delete({**volume, "status": {"phase": "Released"}})   # Retain: kept
    volume["spec"]["persistentVolumeReclaimPolicy"] = "Delete"
    assert to_delete({**volume, "status": {"phase": "Released"}})
    assert not to_delete({**volume, "status": {"phase": "Bound"}})
