"""tinykube kubelet: the node agent (`python -m kubelet`).

kubelet.py wires: the pod informer (spec.nodeName=<node>) -> pod_workers (one serial worker per
pod) -> pod_sync (pod_actions plans, runtime/ carries out, pod_status reports through
status_manager); pleg relists the runtime every second; prober, volumes, images, terminate;
node_status and lease keep the Node alive. runtime/ is the only code that talks to Docker.
"""
