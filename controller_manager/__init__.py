"""tinykube controller-manager: `python -m controller_manager` runs the core controllers
(replicaset, replicationcontroller, deployment, garbagecollector, namespace, and those other
modules register in controllers/__init__.py) in one process, behind leader election."""
