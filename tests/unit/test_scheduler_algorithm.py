"""The decision as a whole: upstream's failure message, scoring, ties, preemption, the cache."""
from __future__ import annotations

import random
from collections import Counter

import pytest

from scheduler.algorithm import Algorithm, FitError
from scheduler.cache import SchedulerCache
from scheduler.framework import Snapshot, unresolvable, unschedulable
from scheduler.nodeinfo import NodeInfo
from scheduler.plugins import default_filters, default_scorers
from scheduler.preemption import preempt
from scheduler.status import failed_scheduling_patch
from tests.unit.test_scheduler_plugins import node, pod

pytestmark = pytest.mark.unit

CONTROL_PLANE = [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]


def algorithm(seed=1):
    return Algorithm(default_filters(), default_scorers(), random.Random(seed))


def snapshot(*infos):
    return Snapshot(list(infos))


def test_fit_error_message_is_upstreams():
    snap = snapshot(NodeInfo(node("small", cpu="1")),
                    NodeInfo(node("cp1", taints=CONTROL_PLANE)),
                    NodeInfo(node("cp2", taints=CONTROL_PLANE)))
    with pytest.raises(FitError) as error:
        algorithm().schedule(pod("p", cpu="2"), snap)
    assert error.value.message == (
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }.")


def test_fit_error_reasons_sorted_as_strings_and_post_filter_appended():
    error = FitError(12, {"a": unschedulable("Insufficient memory"),
                          **{f"n{i}": unresolvable("node(s) were unschedulable") for i in range(10)},
                          "b": unschedulable("Insufficient cpu", "Insufficient memory")},
                     post_filter_msg="preemption: 0/12 nodes are available: 12 Preemption is "
                                     "not helpful for scheduling.")
    assert error.message == (
        "0/12 nodes are available: 1 Insufficient cpu, 10 node(s) were unschedulable, "
        "2 Insufficient memory. preemption: 0/12 nodes are available: 12 Preemption is not "
        "helpful for scheduling..")


def test_no_nodes_and_pre_filter_messages():
    with pytest.raises(FitError) as error:
        algorithm().schedule(pod("p"), snapshot())
    assert error.value.message == "no nodes available to schedule pods"
    p = pod("p", volumes=[{"name": "v", "persistentVolumeClaim": {"claimName": "gone"}}])
    with pytest.raises(FitError) as error:
        algorithm().schedule(p, snapshot(NodeInfo(node("a")), NodeInfo(node("b"))))
    assert error.value.message == (
        '0/2 nodes are available: persistentvolumeclaim "gone" not found.')


def test_the_emptiest_node_wins():
    busy = NodeInfo(node("busy"), [pod("a", cpu="3", memory="6Gi", node_name="busy")])
    free = NodeInfo(node("free"))
    assert algorithm().schedule(pod("p", cpu="100m", memory="100Mi"), snapshot(busy, free)) == "free"


def test_ties_are_broken_randomly():
    infos = [NodeInfo(node(f"n{i}")) for i in range(4)]
    algo = Algorithm(default_filters(), default_scorers(), random.Random(7))
    picks = Counter(algo.schedule(pod("p"), snapshot(*infos)) for _ in range(400))
    assert set(picks) == {"n0", "n1", "n2", "n3"}
    assert min(picks.values()) > 60


def test_assumed_pods_spread_a_burst():
    cache = SchedulerCache()
    for i in range(3):
        cache.set_node(node(f"n{i}", cpu="2", memory="4Gi"))
    placed = Counter()
    for i in range(6):
        p = pod(f"p{i}", cpu="1", memory="1Gi")
        target = algorithm(i).schedule(p, cache.snapshot())
        cache.assume(p, target)
        placed[target] += 1
    assert placed == Counter({"n0": 2, "n1": 2, "n2": 2})
    with pytest.raises(FitError):
        algorithm().schedule(pod("extra", cpu="1"), cache.snapshot())


def test_cache_replaces_assumed_with_bound_and_forgets_failures():
    cache = SchedulerCache()
    cache.set_node(node("n", cpu="2"))
    p = pod("p", cpu="1")
    cache.assume(p, "n")
    assert cache.nodes["n"].requested.milli_cpu == 1000 and cache.is_assumed("default/p")
    cache.set_pod({**p, "spec": {**p["spec"], "nodeName": "n"}})
    assert not cache.is_assumed("default/p") and cache.nodes["n"].requested.milli_cpu == 1000
    q = pod("q", cpu="1")
    cache.assume(q, "n")
    cache.forget(q)
    assert cache.nodes["n"].requested.milli_cpu == 1000
    finished = {**p, "spec": {**p["spec"], "nodeName": "n"}, "status": {"phase": "Succeeded"}}
    cache.set_pod(finished)
    assert cache.nodes["n"].requested.milli_cpu == 0


def test_cache_keeps_pods_of_nodes_not_seen_yet():
    cache = SchedulerCache()
    cache.set_pod(pod("early", cpu="1", node_name="late"))
    cache.set_node(node("late", cpu="2"))
    assert cache.nodes["late"].requested.milli_cpu == 1000


# --- preemption ----------------------------------------------------------------------------------

def prio(p, value):
    p["spec"]["priority"] = value
    return p


def test_preemption_picks_the_fewest_lowest_priority_victims():
    a = NodeInfo(node("a", cpu="2"), [prio(pod("low1", cpu="1", node_name="a"), 1),
                                      prio(pod("low2", cpu="1", node_name="a"), 1)])
    b = NodeInfo(node("b", cpu="2"), [prio(pod("mid", cpu="2", node_name="b"), 5)])
    snap = snapshot(a, b)
    high = prio(pod("high", cpu="1"), 10)
    with pytest.raises(FitError) as error:
        algorithm().schedule(high, snap)
    outcome = preempt(algorithm(), high, snap, error.value.statuses)
    assert outcome.message == ""
    assert outcome.candidate.node == "a"
    assert [v["metadata"]["name"] for v in outcome.candidate.victims] == ["low2"] or \
        [v["metadata"]["name"] for v in outcome.candidate.victims] == ["low1"]


def test_preemption_messages_when_it_cannot_help():
    cp = NodeInfo(node("cp", taints=CONTROL_PLANE))
    full = NodeInfo(node("full", cpu="1"), [pod("same", cpu="1", node_name="full")])
    snap = snapshot(cp, full)
    p = pod("p", cpu="1")
    with pytest.raises(FitError) as error:
        algorithm().schedule(p, snap)
    outcome = preempt(algorithm(), p, snap, error.value.statuses)
    assert outcome.candidate is None
    assert outcome.message == ("preemption: 0/2 nodes are available: 1 No preemption victims "
                               "found for incoming pod, 1 Preemption is not helpful for "
                               "scheduling.")
    never = {**p, "spec": {**p["spec"], "preemptionPolicy": "Never"}}
    assert preempt(algorithm(), never, snap, error.value.statuses).message == (
        "preemption: not eligible due to preemptionPolicy=Never.")


# --- status patch ------------------------------------------------------------------------------

def test_failed_scheduling_patch_keeps_transition_time_and_skips_no_ops():
    p = pod("p")
    first = failed_scheduling_patch(p, "0/1 nodes are available: 1 Insufficient cpu.")
    condition = first["status"]["conditions"][0]
    assert condition["type"] == "PodScheduled" and condition["status"] == "False"
    assert condition["reason"] == "Unschedulable"
    p["status"] = first["status"]
    assert failed_scheduling_patch(p, condition["message"]) is None
    changed = failed_scheduling_patch(p, "other")
    assert changed["status"]["conditions"][0]["lastTransitionTime"] == condition["lastTransitionTime"]
