"""Node-level pure parts: settings, quantities, pod IPs, back-off, node conditions."""
from __future__ import annotations

import pytest

from kubelet.backoff import Backoff
from kubelet.ipam import PodCIDRExhausted, PodIPAllocator
from kubelet.images import pull_policy
from kubelet.machine import MachineInfo, Pressure
from kubelet.node_status import NodeHealth, capacity, compute_conditions
from kubelet.quantity import bytes_of, cpu_millis, format_cpu, format_memory
from kubelet.settings import KubeletSettings, parse_labels, parse_taints

pytestmark = pytest.mark.unit
MACHINE = MachineInfo(cpus=2, memory_bytes=4 * 2**30, kernel_version="6", os_image="Debian",
                      architecture="amd64", machine_id="m", boot_id="b", system_uuid="s")


def test_settings_from_flags_and_env():
    s = KubeletSettings.from_argv(["--node-name", "node-1", "--capacity-pods", "50"],
                                  environ={"TINYKUBE_RUNTIME": "fake",
                                           "TINYKUBE_POD_CIDR": "10.244.1.0/24"})
    assert (s.node_name, s.runtime, s.pod_cidr, s.capacity_pods) == \
        ("node-1", "fake", "10.244.1.0/24", 50)
    assert s.root_dir == "/var/lib/tinykube/kubelet/node-1"
    with pytest.raises(ValueError):
        KubeletSettings(node_name="x", runtime="containerd")


def test_labels_and_taints():
    assert parse_labels("a=1, node-role.kubernetes.io/worker=") == \
        {"a": "1", "node-role.kubernetes.io/worker": ""}
    assert parse_taints("k=v:NoSchedule,gpu:NoExecute") == [
        {"key": "k", "value": "v", "effect": "NoSchedule"},
        {"key": "gpu", "effect": "NoExecute"}]
    with pytest.raises(ValueError):
        parse_taints("k=v:Sometimes")


def test_quantities():
    assert cpu_millis("500m") == 500 and cpu_millis("1.5") == 1500
    assert bytes_of("1Gi") == 2**30 and bytes_of("128M") == 128 * 10**6
    assert format_cpu(2000) == "2" and format_cpu(3500) == "3500m"
    assert format_memory(4 * 2**30) == "4194304Ki"


def test_capacity_from_settings_or_machine():
    s = KubeletSettings(node_name="n", capacity_cpu="3500m", capacity_memory="2Gi")
    assert capacity(s, MACHINE)["cpu"] == "3500m"
    assert capacity(s, MACHINE)["memory"] == "2097152Ki"
    assert capacity(KubeletSettings(node_name="n"), MACHINE)["cpu"] == "2"
    assert capacity(KubeletSettings(node_name="n"), MACHINE)["pods"] == "110"


def test_ipam_lowest_free_and_stable():
    ipam = PodIPAllocator("10.244.1.0/29")
    ipam.sync({"old": "10.244.1.2", "elsewhere": "10.9.9.9"})
    assert ipam.allocate("old") == "10.244.1.2"
    assert ipam.allocate("a") == "10.244.1.3"
    assert ipam.allocate("a") == "10.244.1.3"
    ipam.release("old")
    assert ipam.allocate("b") == "10.244.1.2"
    for uid in ("c", "d", "e"):
        ipam.allocate(uid)
    with pytest.raises(PodCIDRExhausted):
        ipam.allocate("f")


def test_backoff_doubles_caps_and_expires():
    now = [1000.0]
    b = Backoff(clock=lambda: now[0])
    assert b.in_backoff_since("k", 999.0) == 0
    assert [b.next("k") for _ in range(7)] == [10, 20, 40, 80, 160, 300, 300]
    assert b.in_backoff_since("k", 1000.0) == 300
    now[0] += 601                     # quiet for longer than twice the maximum: start over
    assert b.in_backoff_since("k", now[0]) == 0 and b.next("k") == 10


@pytest.mark.parametrize("image,policy", [("busybox", "Always"), ("busybox:latest", "Always"),
                                          ("busybox:1.36", "IfNotPresent"),
                                          ("reg:5000/busybox", "Always")])
def test_default_pull_policy(image, policy):
    assert pull_policy({"image": image}) == policy


def test_node_conditions_reasons_and_transitions():
    healthy = NodeHealth(True, "docker://20.10", "10.244.1.0/24", Pressure(False, False, False))
    conds = {c["type"]: c for c in compute_conditions(healthy, [], "T1")}
    assert conds["Ready"]["reason"] == "KubeletReady"
    assert conds["Ready"]["message"] == "kubelet is posting ready status"
    assert conds["MemoryPressure"]["reason"] == "KubeletHasSufficientMemory"
    assert conds["DiskPressure"]["reason"] == "KubeletHasNoDiskPressure"
    assert conds["PIDPressure"]["reason"] == "KubeletHasSufficientPID"
    later = {c["type"]: c for c in compute_conditions(healthy, list(conds.values()), "T2")}
    assert later["Ready"]["lastTransitionTime"] == "T1"
    assert later["Ready"]["lastHeartbeatTime"] == "T2"
    sick = NodeHealth(False, "", "", Pressure(True, False, False))
    bad = {c["type"]: c for c in compute_conditions(sick, list(later.values()), "T3")}
    assert bad["Ready"]["status"] == "False" and bad["Ready"]["reason"] == "KubeletNotReady"
    assert bad["Ready"]["lastTransitionTime"] == "T3"
    assert bad["MemoryPressure"]["status"] == "True"


def test_ipam_never_hands_out_a_blocked_address():
    ipam = PodIPAllocator("10.244.7.0/24")
    first = ipam.allocate("a")
    ipam.block("10.244.7.3")          # held by a container this node does not know
    ipam.release("a")
    assert ipam.allocate("b") == first
    assert ipam.allocate("c") == "10.244.7.4"
