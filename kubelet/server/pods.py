"""Finding the pod and container a streaming request is about, with upstream's kubelet errors.

The pods come from the kubelet (`pods_provider`: its view of the pods bound to this node);
container ids come from the runtime, the source of truth for what exists on the node. The
pod's status only shapes the error message when the runtime has no instance to offer.
"""
from __future__ import annotations

import inspect
from typing import Any, Awaitable, Callable, Iterable

from kubelet.runtime.base import CREATED, RUNNING, ContainerInfo, Runtime, find_container

Pod = dict[str, Any]
PodsProvider = Callable[[], Iterable[Pod] | Awaitable[Iterable[Pod]]]


class StreamError(Exception):
    """A request the kubelet refuses: `code` is the HTTP status, `message` the text body."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code, self.message = code, message


async def node_pods(provider: PodsProvider) -> list[Pod]:
    pods = provider()
    if inspect.isawaitable(pods):
        pods = await pods
    return list(pods)


async def find_pod(provider: PodsProvider, namespace: str, name: str) -> Pod:
    for pod in await node_pods(provider):
        meta = pod.get("metadata") or {}
        if meta.get("namespace") == namespace and meta.get("name") == name:
            return pod
    raise StreamError(404, f'pod "{name}" does not exist')


def _all_containers(pod: Pod) -> list[dict]:
    spec = pod.get("spec") or {}
    return list(spec.get("initContainers") or []) + list(spec.get("containers") or [])


def _status_of(pod: Pod, container: str) -> dict | None:
    status = pod.get("status") or {}
    for key in ("initContainerStatuses", "containerStatuses"):
        for cs in status.get(key) or []:
            if cs.get("name") == container:
                return cs
    return None


def check_container_name(pod: Pod, container: str) -> None:
    if not any(c.get("name") == container for c in _all_containers(pod)):
        raise StreamError(400, f"container {container} is not valid for pod "
                               f"{pod['metadata']['name']}")


async def log_container(runtime: Runtime, node: str, pod: Pod, container: str,
                        previous: bool) -> ContainerInfo:
    """The container instance whose logs `kubectl logs [--previous]` wants."""
    check_container_name(pod, container)
    infos = await runtime.list_pod_containers(node)
    uid, name = pod["metadata"].get("uid", ""), pod["metadata"]["name"]
    found = find_container(infos, uid, container, previous)
    if found is not None and (previous or found.state != CREATED):
        return found
    if found is not None:       # created, never started: the last run's logs, as upstream
        older = find_container(infos, uid, container, previous=True)
        if older is not None:
            return older
    if previous:
        raise StreamError(400, f'previous terminated container "{container}" in pod "{name}" '
                               "not found")
    raise StreamError(400, _not_started_message(pod, container))


def _not_started_message(pod: Pod, container: str) -> str:
    name = pod["metadata"]["name"]
    cs = _status_of(pod, container)
    if cs is None:
        return f'container "{container}" in pod "{name}" is not available'
    waiting = (cs.get("state") or {}).get("waiting")
    if waiting is None:
        return f'container "{container}" in pod "{name}" is waiting to start - no logs yet'
    reason = waiting.get("reason") or ""
    detail = {"ErrImagePull": "image can't be pulled",
              "ImagePullBackOff": "trying and failing to pull image"}.get(reason, reason)
    return f'container "{container}" in pod "{name}" is waiting to start: {detail}'


async def running_container(runtime: Runtime, node: str, pod: Pod,
                            container: str) -> ContainerInfo:
    """The running instance exec and attach go to (upstream: `container not found ("c")`)."""
    check_container_name(pod, container)
    infos = await runtime.list_pod_containers(node)
    found = find_container(infos, pod["metadata"].get("uid", ""), container)
    if found is None or found.state != RUNNING:
        raise StreamError(404, f'container not found ("{container}")')
    return found


async def pod_ip(runtime: Runtime, pod: Pod) -> str:
    """Where port-forward connects: the running sandbox's IP (the kubelet shares its network)."""
    ip = await runtime.container_ip(pod["metadata"].get("uid", ""))
    ip = ip or (pod.get("status") or {}).get("podIP")
    if not ip:
        raise StreamError(400, f"pod {pod['metadata']['name']} has no IP address yet")
    return ip
