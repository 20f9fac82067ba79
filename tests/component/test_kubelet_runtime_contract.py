"""One set of checks, run on the fake runtime and on the Docker runtime, so the fake stays honest.

The Docker half is skipped (with the reason) when Docker does not answer.
"""
from __future__ import annotations

import asyncio
import uuid

import pytest

from kubelet.runtime.base import (APP, EXITED, RUNNING, SANDBOX, ContainerConfig,
                                  ContainerNotFound, ImageNotFound, Runtime, SandboxConfig,
                                  find_container)
from kubelet.runtime.fake import FakeRuntime
from tests.hollow import (TEST_BRIDGE, TEST_IP_RANGE, TEST_NETWORK, TEST_SUBNET,
                          docker_available, ensure_test_images, remove_node_containers)

pytestmark = pytest.mark.component
MISSING = "tinykube-does-not-exist:1"


@pytest.fixture(params=["fake", "docker"])
async def runtime(request):
    if request.param == "fake":
        rt = FakeRuntime(missing_images={MISSING})
        yield rt
        await rt.close()
        return
    if why := docker_available():
        pytest.skip(f"Docker is not available: {why}")
    ensure_test_images()
    from kubelet.runtime.docker import DockerRuntime
    from kubelet.runtime.docker_api import DockerApi
    rt = DockerRuntime(DockerApi(), network=TEST_NETWORK, subnet=TEST_SUBNET,
                       ip_range=TEST_IP_RANGE, bridge=TEST_BRIDGE)
    await rt.start()
    yield rt
    if rt.network_created:
        await rt.api.request("DELETE", f"/networks/{TEST_NETWORK}")
    await rt.close()


@pytest.fixture
async def node(runtime):
    """A node name; its containers (and its neighbour's) are removed afterwards."""
    name = f"contract-{uuid.uuid4().hex[:6]}"
    yield name
    if not isinstance(runtime, FakeRuntime):
        for each in (name, name + "-other"):
            await remove_node_containers(runtime.api, each)


def sandbox_config(node: str, uid: str, ip: str) -> SandboxConfig:
    return SandboxConfig(node=node, pod_uid=uid, pod_namespace="ns", pod_name=f"p-{uid[:4]}",
                         ip=ip, hostname="p")


def app(name: str = "app", attempt: int = 0, image: str = "busybox:latest") -> ContainerConfig:
    return ContainerConfig(name=name, kind=APP, image=image, restart_count=attempt,
                           spec_hash="h1",
                           command=["sh", "-c", "echo hello; trap 'exit 0' TERM; "
                                                "sleep 600 & wait"])


async def eventually_state(runtime: Runtime, container_id: str, state: str, timeout=10.0):
    for _ in range(int(timeout / 0.1)):
        info = await runtime.inspect_container(container_id)
        if info.state == state:
            return info
        await asyncio.sleep(0.1)
    raise AssertionError(f"{container_id[:12]} never became {state}")


async def test_version_names_the_runtime(runtime):
    version = await runtime.version()
    assert version.name in ("fake", "docker") and version.version
    assert str(version).startswith(version.name + "://")


async def test_sandbox_and_container_lifecycle(runtime, node):
    uid = uuid.uuid4().hex
    sandbox = await runtime.create_sandbox(sandbox_config(node, uid, "10.247.9.10"))
    assert sandbox.kind == SANDBOX and sandbox.state == RUNNING and sandbox.ip == "10.247.9.10"
    assert await runtime.container_ip(uid) == "10.247.9.10"
    assert await runtime.pause_container_id(uid) == sandbox.id
    cid = await runtime.create_container(sandbox, app(attempt=2))
    await runtime.start_container(cid)
    info = await eventually_state(runtime, cid, RUNNING)
    assert (info.name, info.kind, info.restart_count, info.spec_hash) == ("app", APP, 2, "h1")
    assert (info.pod_uid, info.pod_namespace, info.node) == (uid, "ns", node)
    assert info.image_id.startswith("sha256:") and info.started_at is not None
    listed = await runtime.list_pod_containers(node, uid)
    assert {c.id for c in listed} == {sandbox.id, cid}
    await runtime.stop_container(cid, 5)
    stopped = await eventually_state(runtime, cid, EXITED)
    assert stopped.exit_code is not None and stopped.finished_at is not None
    assert stopped.reason in ("Completed", "Error")
    await runtime.remove_container(cid)
    await runtime.remove_container(cid)            # a second removal is a no-op
    await runtime.stop_container(cid, 1)           # so is stopping a removed container
    assert [c.id for c in await runtime.list_pod_containers(node, uid)] == [sandbox.id]
    await runtime.remove_container(sandbox.id)
    assert await runtime.container_ip(uid) is None


async def test_listing_is_per_node(runtime, node):
    uid_a, uid_b = uuid.uuid4().hex, uuid.uuid4().hex
    mine = await runtime.create_sandbox(sandbox_config(node, uid_a, "10.247.9.11"))
    other = await runtime.create_sandbox(sandbox_config(node + "-other", uid_b, "10.247.9.12"))
    try:
        assert [c.id for c in await runtime.list_pod_containers(node)] == [mine.id]
    finally:
        await runtime.remove_container(mine.id)
        await runtime.remove_container(other.id)


async def test_exec_exit_codes_and_logs(runtime, node):
    uid = uuid.uuid4().hex
    sandbox = await runtime.create_sandbox(sandbox_config(node, uid, "10.247.9.13"))
    first = await runtime.create_container(sandbox, app(attempt=0))
    await runtime.start_container(first)
    await eventually_state(runtime, first, RUNNING)
    assert (await runtime.exec_run(first, ["true"], 5))[0] == 0
    assert (await runtime.exec_run(first, ["false"], 5))[0] == 1
    logs = b"".join([chunk async for chunk in runtime.container_logs(first)])
    assert logs                                   # something was printed
    with pytest.raises(ContainerNotFound):
        async for _ in runtime.container_logs(first, previous=True):
            pass
    await runtime.stop_container(first, 2)
    second = await runtime.create_container(sandbox, app(attempt=1))
    await runtime.start_container(second)
    listed = await runtime.list_pod_containers(node, uid)
    assert find_container(listed, uid, "app").id == second
    assert find_container(listed, uid, "app", previous=True).id == first
    previous = b"".join([chunk async for chunk in runtime.container_logs(second, previous=True)])
    assert previous
    for c in listed:
        await runtime.remove_container(c.id)


async def test_missing_image(runtime, node):
    assert await runtime.image_id(MISSING) is None
    assert await runtime.image_id("busybox:latest") is not None
    with pytest.raises(ImageNotFound) as err:
        await runtime.pull_image(MISSING)
    assert err.value.reason == "ErrImagePull"
    uid = uuid.uuid4().hex
    sandbox = await runtime.create_sandbox(sandbox_config(node, uid, "10.247.9.14"))
    try:
        with pytest.raises(ImageNotFound):
            await runtime.create_container(sandbox, app(image=MISSING))
    finally:
        await runtime.remove_container(sandbox.id)
