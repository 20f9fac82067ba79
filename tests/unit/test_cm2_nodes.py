"""Node IPAM subnets, node health, condition taints, tolerations and eviction timing."""
from datetime import datetime, timezone

import pytest

from controller_manager import nodelifecycle_health as health
from controller_manager import nodelifecycle_taints as nt
from controller_manager.controllers.taint_eviction import tainted_since
from controller_manager.nodeipam_cidrs import CidrSet, CidrSetFull

pytestmark = pytest.mark.unit


def test_cidrset_skips_reserved_and_never_reuses_held():
    cidrs = CidrSet("10.244.0.0/16", 24, reserved=1)
    assert cidrs.occupy("10.244.2.0/24")
    assert cidrs.allocate() == "10.244.1.0/24"
    assert cidrs.allocate() == "10.244.3.0/24"      # 2 is held
    assert not cidrs.occupy("10.100.0.0/24")         # not ours
    assert not cidrs.occupy("10.244.5.0/25")         # wrong size
    cidrs.release("10.244.1.0/24")
    assert cidrs.allocate() == "10.244.4.0/24"      # round-robin: a freed one waits its turn
    assert cidrs.in_use("10.244.3.0/24") and not cidrs.in_use("10.244.1.0/24")


def test_cidrset_full_and_wraps():
    cidrs = CidrSet("10.0.0.0/30", 31, reserved=0)
    assert {cidrs.allocate(), cidrs.allocate()} == {"10.0.0.0/31", "10.0.0.2/31"}
    with pytest.raises(CidrSetFull):
        cidrs.allocate()
    cidrs.release("10.0.0.0/31")
    assert cidrs.allocate() == "10.0.0.0/31"
    with pytest.raises(ValueError):
        CidrSet("10.0.0.0/16", 8)


def node(ready="True", heartbeat="t1", taints=None, unschedulable=False, **conditions):
    conds = [{"type": "Ready", "status": ready, "lastHeartbeatTime": heartbeat}] if ready \
        else []
    conds += [{"type": t, "status": s} for t, s in conditions.items()]
    return {"metadata": {"name": "n", "creationTimestamp": "2024-01-01T00:00:00Z"},
            "spec": {"taints": taints or [], "unschedulable": unschedulable},
            "status": {"conditions": conds}}


def lease(renew):
    return {"spec": {"renewTime": renew}}


def test_health_probe_resets_on_heartbeat_or_lease():
    n = node()
    rec = health.observe(None, n, lease("r1"), now=100.0)
    assert rec.probe_at == 100.0
    same = health.observe(rec, n, lease("r1"), now=150.0)
    assert same.probe_at == 100.0
    assert health.timed_out(same, n, 150.0, grace_s=40, startup_grace_s=60)
    renewed = health.observe(rec, n, lease("r2"), now=150.0)
    assert renewed.probe_at == 150.0
    beat = health.observe(rec, node(heartbeat="t2"), lease("r1"), now=150.0)
    assert beat.probe_at == 150.0


def test_health_startup_grace_before_first_ready():
    fresh = node(ready=None)
    rec = health.observe(None, fresh, None, now=0.0)
    assert not health.timed_out(rec, fresh, 50.0, grace_s=40, startup_grace_s=60)
    assert health.timed_out(rec, fresh, 61.0, grace_s=40, startup_grace_s=60)


def test_unknown_conditions():
    n = node(MemoryPressure="False")
    conds = {c["type"]: c for c in health.unknown_conditions(n, "now")}
    assert conds["Ready"]["status"] == "Unknown"
    assert conds["Ready"]["reason"] == "NodeStatusUnknown"
    assert conds["Ready"]["message"] == "Kubelet stopped posting node status."
    assert conds["Ready"]["lastHeartbeatTime"] == "t1"        # kept
    assert conds["MemoryPressure"]["status"] == "Unknown"
    assert conds["DiskPressure"]["reason"] == "NodeStatusNeverUpdated"
    n["status"]["conditions"] = list(conds.values())
    assert health.unknown_conditions(n, "later") is None


def test_condition_taints():
    assert nt.condition_taints(node()) == set()
    assert nt.condition_taints(node("Unknown")) == {(nt.UNREACHABLE, "NoExecute"),
                                                    (nt.UNREACHABLE, "NoSchedule")}
    assert nt.condition_taints(node("False", DiskPressure="True", unschedulable=True)) == {
        (nt.NOT_READY, "NoExecute"), (nt.NOT_READY, "NoSchedule"),
        (nt.DISK_PRESSURE, "NoSchedule"), (nt.UNSCHEDULABLE, "NoSchedule")}


def test_with_condition_taints_keeps_foreign_and_swaps():
    foreign = {"key": "dedicated", "value": "x", "effect": "NoSchedule"}
    old = {"key": nt.UNREACHABLE, "effect": "NoExecute", "timeAdded": "t0"}
    n = node("False", taints=[foreign, old,
                              {"key": nt.UNREACHABLE, "effect": "NoSchedule"}])
    new = nt.with_condition_taints(n, "t1")
    assert foreign in new and old not in new
    assert {"key": nt.NOT_READY, "effect": "NoExecute", "timeAdded": "t1"} in new
    n["spec"]["taints"] = new
    assert nt.with_condition_taints(n, "t2") is None
    healthy = node("True", taints=new)
    assert nt.with_condition_taints(healthy, "t3") == [foreign]


def test_tolerates():
    taint = {"key": "k", "value": "v", "effect": "NoExecute"}
    assert nt.tolerates({"key": "k", "operator": "Equal", "value": "v"}, taint)
    assert nt.tolerates({"key": "k", "value": "v", "effect": "NoExecute"}, taint)
    assert not nt.tolerates({"key": "k", "value": "w"}, taint)
    assert not nt.tolerates({"key": "k", "operator": "Exists", "effect": "NoSchedule"}, taint)
    assert nt.tolerates({"operator": "Exists"}, taint)
    assert not nt.tolerates({"key": "other", "operator": "Exists"}, taint)


def pod_with(*tolerations):
    return {"spec": {"tolerations": list(tolerations)}}


def test_eviction_delay():
    unreachable = {"key": nt.UNREACHABLE, "effect": "NoExecute"}
    not_ready = {"key": nt.NOT_READY, "effect": "NoExecute"}
    tol = {"key": nt.UNREACHABLE, "operator": "Exists", "effect": "NoExecute",
           "tolerationSeconds": 300}
    assert nt.eviction_delay_s(pod_with(), [unreachable]) == 0.0
    assert nt.eviction_delay_s(pod_with(tol), [unreachable]) == 300
    assert nt.eviction_delay_s(pod_with(tol), [unreachable, not_ready]) == 0.0
    forever = {"key": nt.UNREACHABLE, "operator": "Exists", "effect": "NoExecute"}
    assert nt.eviction_delay_s(pod_with(forever), [unreachable]) is None
    short = {"operator": "Exists", "tolerationSeconds": 5, "effect": "NoExecute"}
    assert nt.eviction_delay_s(pod_with(tol, short), [unreachable]) == 5
    assert nt.eviction_delay_s(pod_with(), []) is None


def test_tainted_since_prefers_time_added():
    when = datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp()
    assert tainted_since([{"timeAdded": "2024-01-01T00:00:00Z"}], 5.0) == when
    assert tainted_since([{}], 5.0) == 5.0
