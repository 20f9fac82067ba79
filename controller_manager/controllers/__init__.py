"""The controllers this process can run: (name, factory) pairs, in start order.

To add a controller: write `controller_manager/controllers/<name>.py` with a factory
`new_<name>(ctx: ControllerContext) -> runnable` (see controllers/base.py for the usual shape:
informers from `ctx.informers`, handlers that enqueue keys, `reconcile(key)`), then add one
line below. `--controllers` selects by these names (upstream's names, e.g. "replicaset").
"""
from __future__ import annotations

from controller_manager.controllers.context import ControllerContext, ControllerFactory
from controller_manager.controllers.clusterrole_aggregation import new_clusterrole_aggregation
from controller_manager.controllers.cronjob import new_cronjob
from controller_manager.controllers.daemonset import new_daemonset
from controller_manager.controllers.deployment import new_deployment
from controller_manager.controllers.disruption import new_disruption
from controller_manager.controllers.endpoints import new_endpoints
from controller_manager.controllers.endpointslice import new_endpointslice
from controller_manager.controllers.garbagecollector import new_garbagecollector
from controller_manager.controllers.horizontalpodautoscaling import new_horizontalpodautoscaling
from controller_manager.controllers.hostpath_provisioner import new_hostpath_provisioner
from controller_manager.controllers.job import new_job
from controller_manager.controllers.namespace import new_namespace
from controller_manager.controllers.nodeipam import new_nodeipam
from controller_manager.controllers.nodelifecycle import new_nodelifecycle
from controller_manager.controllers.pvbinder import new_persistentvolume_binder
from controller_manager.controllers.replicaset import new_replicaset, new_replicationcontroller
from controller_manager.controllers.resourcequota import new_resourcequota
from controller_manager.controllers.rootcacert import new_rootcacert
from controller_manager.controllers.serviceaccount import new_serviceaccount
from controller_manager.controllers.statefulset import new_statefulset
from controller_manager.controllers.taint_eviction import new_taint_eviction
from controller_manager.controllers.ttlafterfinished import new_ttlafterfinished

CONTROLLERS: list[tuple[str, ControllerFactory]] = [
    ("namespace", new_namespace),
    ("garbagecollector", new_garbagecollector),
    ("replicaset", new_replicaset),
    ("replicationcontroller", new_replicationcontroller),
    ("deployment", new_deployment),
    ("endpoints", new_endpoints),
    ("endpointslice", new_endpointslice),
    ("nodeipam", new_nodeipam),
    ("nodelifecycle", new_nodelifecycle),
    ("taint-eviction-controller", new_taint_eviction),
    ("serviceaccount", new_serviceaccount),
    ("root-ca-cert-publisher", new_rootcacert),
    ("job", new_job),
    ("ttl-after-finished-controller", new_ttlafterfinished),
    ("cronjob", new_cronjob),
    ("daemonset", new_daemonset),
    ("statefulset", new_statefulset),
    ("disruption", new_disruption),
    ("horizontalpodautoscaling", new_horizontalpodautoscaling),
    ("clusterrole-aggregation", new_clusterrole_aggregation),
    ("resourcequota", new_resourcequota),
    ("persistentvolume-binder", new_persistentvolume_binder),
    ("hostpath-provisioner", new_hostpath_provisioner),
]

__all__ = ["CONTROLLERS", "ControllerContext", "ControllerFactory"]
