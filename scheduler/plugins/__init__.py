"""The default plugin set, in upstream's order (filters stop at the first failure per node)."""
from __future__ import annotations

from scheduler.plugins.interpod_affinity import InterPodAffinity
from scheduler.plugins.node_affinity import NodeAffinity
from scheduler.plugins.node_basic import NodeName, NodePorts, NodeReady, NodeUnschedulable
from scheduler.plugins.resources import (NodeResourcesBalancedAllocation, NodeResourcesFit,
                                         NodeResourcesLeastAllocated)
from scheduler.plugins.selector_spread import SelectorSpread
from scheduler.plugins.taints import TaintToleration
from scheduler.plugins.topology_spread import PodTopologySpread
from scheduler.plugins.volumes import VolumeBinding, VolumeZone


def default_filters() -> list:
    return [NodeUnschedulable(), NodeName(), TaintToleration(), NodeReady(), NodeAffinity(),
            NodePorts(), NodeResourcesFit(), VolumeBinding(), VolumeZone(), PodTopologySpread(),
            InterPodAffinity()]


def default_scorers() -> list:
    """Weights as upstream's defaults: TaintToleration 3, NodeAffinity/PodTopologySpread/
    InterPodAffinity 2, the resource scores and SelectorSpread 1."""
    return [TaintToleration(), NodeAffinity(), PodTopologySpread(), InterPodAffinity(),
            NodeResourcesLeastAllocated(), NodeResourcesBalancedAllocation(), SelectorSpread()]
