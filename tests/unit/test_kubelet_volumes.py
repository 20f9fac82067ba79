"""Volumes on disk: emptyDir, configMap/secret files (updated in place), mounts, cleanup."""
from __future__ import annotations

import base64

import pytest

from kubelet.volumes import VolumeError, VolumeManager, volume_mounts

pytestmark = pytest.mark.unit


class Sources:
    def __init__(self):
        self.cm = {"data": {"a": "1", "b": "2"}}

    async def configmap(self, namespace, name):
        return self.cm if name == "cm" else None

    async def secret(self, namespace, name):
        return {"data": {"pw": base64.b64encode(b"x").decode()}}

    async def pvc_host_path(self, namespace, claim):
        return "/srv/pv1"

    async def service_account_token(self, namespace, sa, audience, expiration_s, pod):
        return "tok"


def pod(volumes):
    return {"metadata": {"name": "p", "namespace": "ns", "uid": "u1"},
            "spec": {"volumes": volumes, "serviceAccountName": "default"}}


async def test_setup_writes_and_updates_files(tmp_path):
    sources = Sources()
    vm = VolumeManager(str(tmp_path), sources)
    p = pod([{"name": "e", "emptyDir": {}}, {"name": "c", "configMap": {"name": "cm"}},
             {"name": "s", "secret": {"secretName": "s", "items": [{"key": "pw",
                                                                   "path": "d/pw"}]}},
             {"name": "h", "hostPath": {"path": "/etc"}},
             {"name": "v", "persistentVolumeClaim": {"claimName": "claim"}},
             {"name": "t", "projected": {"sources": [
                 {"serviceAccountToken": {"path": "token"}},
                 {"downwardAPI": {"items": [{"path": "ns",
                                             "fieldRef": {"fieldPath": "metadata.namespace"}}]}}]}}])
    paths = await vm.setup(p)
    assert paths["h"] == "/etc" and paths["v"] == "/srv/pv1"
    cm_dir = tmp_path / "pods/u1/volumes/kubernetes.io~configmap/c"
    assert paths["c"] == str(cm_dir) and (cm_dir / "a").read_text() == "1"
    assert (tmp_path / "pods/u1/volumes/kubernetes.io~secret/s/d/pw").read_bytes() == b"x"
    projected = tmp_path / "pods/u1/volumes/kubernetes.io~projected/t"
    assert (projected / "token").read_text() == "tok" and (projected / "ns").read_text() == "ns"
    sources.cm = {"data": {"a": "changed"}}
    await vm.setup(p)
    assert (cm_dir / "a").read_text() == "changed" and not (cm_dir / "b").exists()
    mounts = volume_mounts({"volumeMounts": [{"name": "e", "mountPath": "/data",
                                              "subPath": "sub"},
                                             {"name": "c", "mountPath": "/cfg",
                                              "readOnly": True}]}, paths)
    assert mounts[0].host_path == paths["e"] + "/sub" and mounts[1].read_only
    vm.cleanup("u1")
    assert not (tmp_path / "pods/u1").exists()


async def test_missing_configmap_fails_mount(tmp_path):
    vm = VolumeManager(str(tmp_path), Sources())
    with pytest.raises(VolumeError) as err:
        await vm.setup(pod([{"name": "c", "configMap": {"name": "nope"}}]))
    assert err.value.reason == "FailedMount"
    assert 'configmap "nope" not found' in err.value.message
    assert await vm.setup(pod([{"name": "c", "configMap": {"name": "nope",
                                                            "optional": True}}]))
