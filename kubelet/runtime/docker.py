"""The Docker runtime: pods as a pause container plus app containers joined to its namespaces.

Every container carries the labels of runtime/base.py, so `list_pod_containers` rebuilds the
node's whole picture from Docker alone (a restarted kubelet adopts, and never touches another
node's containers). The sandbox gets the pod IP as a fixed address on the pods' network
(created here if missing: subnet 10.244.0.0/16, Docker's own addresses in 10.244.0.64/26, a
fixed bridge name for kube-proxy). Bind-mount paths go to Docker as they are: a kubelet in a
container must see its root dir at the same path as the host.
"""
from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any, AsyncIterator

from kubelet.runtime import base
from kubelet.runtime.base import (SANDBOX, SANDBOX_NAME, ContainerConfig, ContainerInfo, ContainerNotFound, ExecHandle,
                                  ImageNotFound, RuntimeFailure, RuntimeVersion, SandboxConfig)
from kubelet.runtime.docker_api import Demuxer, DockerApi, DockerError
from kubelet.runtime.docker_info import container_info
from kubelet.runtime.docker_session import DockerSession, collect
from machinery.runtime import kv

log = logging.getLogger("kubelet.runtime.docker")
LABEL_POD_IP = "io.tinykube.pod.ip"
NETWORK_LABEL = "io.tinykube.network"


class DockerRuntime:
    def __init__(self, api: DockerApi, *, network: str = "tinykube-pods",
                 subnet: str = "10.244.0.0/16", ip_range: str = "10.244.0.64/26",
                 bridge: str = "tkpods0", pause_image: str = "tinykube-pause:latest"):
        self.api = api
        self.network, self.subnet, self.ip_range, self.bridge = network, subnet, ip_range, bridge
        self.pause_image = pause_image
        self.network_created = False
        self._inspected: dict[str, tuple[str, ContainerInfo]] = {}   # id -> (state, info)

    @classmethod
    def from_settings(cls, settings: Any) -> "DockerRuntime":
        return cls(DockerApi(settings.docker_host), network=settings.pod_network,
                   subnet=settings.pod_network_subnet, ip_range=settings.pod_network_ip_range,
                   bridge=settings.pod_network_bridge, pause_image=settings.pause_image)

    async def start(self) -> None:
        await self.api.request("GET", "/_ping")
        await self.ensure_network()

    async def close(self) -> None:
        await self.api.close()

    async def version(self) -> RuntimeVersion:
        answer = await self.api.request("GET", "/version")
        return RuntimeVersion("docker", answer.get("Version", "unknown"))

    async def ensure_network(self) -> None:
        try:
            await self.api.request("GET", f"/networks/{self.network}")
            return
        except DockerError as e:
            if e.status != 404:
                raise
        body = {"Name": self.network, "Driver": "bridge", "CheckDuplicate": True,
                "IPAM": {"Config": [{"Subnet": self.subnet, "IPRange": self.ip_range}]},
                "Options": {"com.docker.network.bridge.name": self.bridge},
                "Labels": {NETWORK_LABEL: "pods"}}
        try:
            await self.api.request("POST", "/networks/create", body=body)
            self.network_created = True
            log.info("pod network created", extra=kv(network=self.network, subnet=self.subnet))
        except DockerError as e:
            if e.status != 409:            # another kubelet created it first
                raise

    # --- listing -----------------------------------------------------------------------------

    async def list_pod_containers(self, node: str,
                                  pod_uid: str | None = None) -> list[ContainerInfo]:
        labels = [f"{base.LABEL_NODE}={node}"]
        if pod_uid:
            labels.append(f"{base.LABEL_POD_UID}={pod_uid}")
        listed = await self.api.request("GET", "/containers/json",
                                        params={"all": True, "filters": {"label": labels}})
        infos = []
        for item in listed:
            info = await self._info(item["Id"], item.get("State", ""))
            if info is not None:
                infos.append(info)
        if pod_uid is None:       # forget inspections of containers that are gone
            alive = {item["Id"] for item in listed}
            for cid in [c for c in self._inspected if c not in alive]:
                del self._inspected[cid]
        return infos

    async def _info(self, container_id: str, state: str) -> ContainerInfo | None:
        """Inspect a container only when its state changed since the last inspection."""
        cached = self._inspected.get(container_id)
        if cached is not None and cached[0] == state and state != "":
            return cached[1]
        try:
            info = await self.inspect_container(container_id)
        except ContainerNotFound:
            return None
        return info

    async def inspect_container(self, container_id: str) -> ContainerInfo:
        data = await self.api.request("GET", f"/containers/{container_id}/json")
        info = container_info(data, self.network)
        self._inspected[container_id] = (data.get("State", {}).get("Status", ""), info)
        return info

    # --- sandboxes and containers --------------------------------------------------------------

    async def create_sandbox(self, config: SandboxConfig) -> ContainerInfo:
        await self._require_image(self.pause_image)
        labels = {**config.labels, **_pod_labels(config.node, config.pod_uid,
                                                 config.pod_namespace, config.pod_name),
                  base.LABEL_CONTAINER_NAME: SANDBOX_NAME, base.LABEL_CONTAINER_KIND: SANDBOX,
                  LABEL_POD_IP: config.ip}
        host: dict[str, Any] = {"NetworkMode": self.network, "RestartPolicy": {"Name": "no"},
                                "IpcMode": "shareable"}
        if config.dns_servers:
            host["Dns"] = config.dns_servers
            host["DnsSearch"] = config.dns_searches
            host["DnsOptions"] = ["ndots:5"]
        if config.extra_hosts:
            host["ExtraHosts"] = config.extra_hosts
        body = {"Image": self.pause_image, "Hostname": config.hostname[:63], "Labels": labels,
                "HostConfig": host, "NetworkingConfig": {"EndpointsConfig": {
                    self.network: {"IPAMConfig": {"IPv4Address": config.ip}}}}}
        name = f"k8s_POD_{config.pod_name}_{config.pod_namespace}_{config.pod_uid[:8]}"
        container_id = await self._create(name, body)
        try:
            await self.start_container(container_id)
        except RuntimeFailure:
            await self.remove_container(container_id)
            raise
        return await self.inspect_container(container_id)

    async def create_container(self, sandbox: ContainerInfo, config: ContainerConfig) -> str:
        await self._require_image(config.image)
        labels = {**config.labels, **_pod_labels(sandbox.node, sandbox.pod_uid,
                                                 sandbox.pod_namespace, sandbox.pod_name),
                  base.LABEL_CONTAINER_NAME: config.name, base.LABEL_CONTAINER_KIND: config.kind,
                  base.LABEL_RESTART_COUNT: str(config.restart_count),
                  base.LABEL_SPEC_HASH: config.spec_hash}
        body = _container_body(config, sandbox.id, labels)
        name = (f"k8s_{config.name}_{sandbox.pod_name}_{sandbox.pod_namespace}_"
                f"{sandbox.pod_uid[:8]}_{config.restart_count}")
        return await self._create(name, body)

    async def _create(self, name: str, body: dict[str, Any]) -> str:
        for attempt in range(2):
            try:
                answer = await self.api.request("POST", "/containers/create",
                                                params={"name": name}, body=body)
                return answer["Id"]
            except DockerError as e:
                if e.status == 409 and attempt == 0:     # a leftover with that name
                    name = f"{name}_{uuid.uuid4().hex[:6]}"
                    continue
                raise RuntimeFailure(e.message, "CreateContainerError") from e
        raise AssertionError("unreachable")

    async def start_container(self, container_id: str) -> None:
        try:
            await self.api.request("POST", f"/containers/{container_id}/start")
        except DockerError as e:
            raise RuntimeFailure(e.message, "RunContainerError") from e

    async def stop_container(self, container_id: str, timeout_s: float) -> None:
        seconds = max(0, int(round(timeout_s)))
        try:
            await self.api.request("POST", f"/containers/{container_id}/stop",
                                   params={"t": seconds}, timeout_s=seconds + 30)
        except ContainerNotFound:
            return
        except DockerError as e:
            if e.status not in (304, 404):
                raise

    async def remove_container(self, container_id: str) -> None:
        try:
            await self.api.request("DELETE", f"/containers/{container_id}",
                                   params={"force": True, "v": True})
        except ContainerNotFound:
            pass
        except DockerError as e:
            if e.status not in (404, 409):        # 409: removal already in progress
                raise
        self._inspected.pop(container_id, None)

    # --- images ------------------------------------------------------------------------------

    async def image_id(self, image: str) -> str | None:
        try:
            answer = await self.api.request("GET", f"/images/{image}/json")
        except DockerError as e:
            if e.status == 404:
                return None
            raise
        return answer.get("Id")

    async def pull_image(self, image: str) -> str:
        name, tag = _split_image(image)
        try:
            async for chunk in self.api.stream("POST", "/images/create",
                                               params={"fromImage": name, "tag": tag}):
                if b'"error"' in chunk:
                    raise ImageNotFound(_pull_error(chunk))
        except DockerError as e:
            raise ImageNotFound(e.message) from e
        image_id = await self.image_id(image)
        if image_id is None:
            raise ImageNotFound(f"{image} not found after pull")
        return image_id

    async def _require_image(self, image: str) -> None:
        if await self.image_id(image) is None:
            raise ImageNotFound(f"No such image: {image}")

    # --- networking --------------------------------------------------------------------------

    async def _sandbox(self, pod_uid: str) -> ContainerInfo | None:
        listed = await self.api.request("GET", "/containers/json", params={"filters": {
            "label": [f"{base.LABEL_POD_UID}={pod_uid}", f"{base.LABEL_CONTAINER_KIND}=sandbox"],
            "status": ["running"]}})
        if not listed:
            return None
        return await self.inspect_container(listed[0]["Id"])

    async def container_ip(self, pod_uid: str) -> str | None:
        sandbox = await self._sandbox(pod_uid)
        return sandbox.ip if sandbox and sandbox.ip else None

    async def pause_container_id(self, pod_uid: str) -> str | None:
        sandbox = await self._sandbox(pod_uid)
        return sandbox.id if sandbox else None

    # --- streams -----------------------------------------------------------------------------

    async def container_logs(self, container_id: str, *, follow: bool = False,
                             tail: int | None = None, timestamps: bool = False,
                             since_s: float | None = None,
                             previous: bool = False) -> AsyncIterator[bytes]:
        if previous:
            info = await self.inspect_container(container_id)
            siblings = await self.list_pod_containers(info.node, info.pod_uid)
            older = base.find_container(siblings, info.pod_uid, info.name, previous=True)
            if older is None:
                raise ContainerNotFound(f"previous terminated container {info.name!r} not found")
            container_id = older.id
        data = await self.api.request("GET", f"/containers/{container_id}/json")
        tty = bool(data.get("Config", {}).get("Tty"))
        params = {"stdout": True, "stderr": True, "follow": follow, "timestamps": timestamps,
                  "tail": "all" if tail is None or tail < 0 else tail,
                  "since": int(since_s) if since_s else None}
        demux = None if tty else Demuxer()
        async for chunk in self.api.stream("GET", f"/containers/{container_id}/logs",
                                           params=params):
            if demux is None:
                yield chunk
            else:
                for _, payload in demux.feed(chunk):
                    yield payload

    async def exec_create(self, container_id: str, cmd: list[str], *, tty: bool = False,
                          stdin: bool = False) -> ExecHandle:
        body = {"AttachStdin": stdin, "AttachStdout": True, "AttachStderr": True, "Tty": tty,
                "Cmd": cmd}
        try:
            answer = await self.api.request("POST", f"/containers/{container_id}/exec", body=body)
        except DockerError as e:
            raise RuntimeFailure(e.message, "ExecError") from e
        return ExecHandle(answer["Id"], container_id, list(cmd), tty, stdin)

    async def exec_start(self, handle: ExecHandle) -> DockerSession:
        reader, writer = await self.api.hijack(f"/exec/{handle.id}/start",
                                               body={"Detach": False, "Tty": handle.tty})
        return DockerSession(self.api, reader, writer, tty=handle.tty, exec_id=handle.id)

    async def exec_run(self, container_id: str, cmd: list[str],
                       timeout_s: float) -> tuple[int, bytes]:
        handle = await self.exec_create(container_id, cmd)
        session = await self.exec_start(handle)
        try:
            output = await asyncio.wait_for(collect(session), timeout_s)
        finally:
            await session.close()
        code = await session.exit_code()
        return (code if code is not None else -1), output

    async def attach(self, container_id: str, *, stdin: bool, tty: bool) -> DockerSession:
        params = {"stream": True, "stdin": stdin, "stdout": True, "stderr": True}
        reader, writer = await self.api.hijack(f"/containers/{container_id}/attach",
                                               params=params)
        return DockerSession(self.api, reader, writer, tty=tty, container_id=container_id)


def _pod_labels(node: str, uid: str, namespace: str, name: str) -> dict[str, str]:
    return {base.LABEL_NODE: node, base.LABEL_POD_UID: uid, base.LABEL_POD_NAMESPACE: namespace,
            base.LABEL_POD_NAME: name}


def _container_body(config: ContainerConfig, sandbox_id: str,
                    labels: dict[str, str]) -> dict[str, Any]:
    host: dict[str, Any] = {
        "NetworkMode": f"container:{sandbox_id}", "IpcMode": f"container:{sandbox_id}",
        "RestartPolicy": {"Name": "no"},
        "Binds": [f"{m.host_path}:{m.container_path}{':ro' if m.read_only else ''}"
                  for m in config.mounts],
        "Privileged": config.privileged, "ReadonlyRootfs": config.read_only_rootfs,
        "CapAdd": config.cap_add or None, "CapDrop": config.cap_drop or None,
        "GroupAdd": config.group_add or None}
    if config.nano_cpus:
        host["NanoCpus"] = config.nano_cpus
    if config.cpu_shares:
        host["CpuShares"] = config.cpu_shares
    if config.memory_bytes:
        host["Memory"] = config.memory_bytes
        host["MemorySwap"] = config.memory_bytes          # no swap beyond the limit
    body: dict[str, Any] = {
        "Image": config.image, "Labels": labels, "HostConfig": host,
        "Env": [f"{k}={v}" for k, v in config.env.items()],
        "Tty": config.tty, "OpenStdin": config.stdin, "StdinOnce": config.stdin_once,
        "AttachStdin": False, "AttachStdout": False, "AttachStderr": False}
    if config.command:
        body["Entrypoint"] = config.command
        body["Cmd"] = config.args            # with an entrypoint, the image's CMD is dropped
    elif config.args:
        body["Cmd"] = config.args
    if config.working_dir:
        body["WorkingDir"] = config.working_dir
    if config.user:
        body["User"] = config.user
    return body


def _split_image(image: str) -> tuple[str, str]:
    if "@" in image:
        return image, ""
    name, sep, tag = image.rpartition(":")
    if sep and "/" not in tag:
        return name, tag
    return image, "latest"


def _pull_error(chunk: bytes) -> str:
    for line in chunk.splitlines():
        try:
            message = json.loads(line).get("error")
        except ValueError:
            continue
        if message:
            return message
    return chunk.decode("utf-8", "replace")

