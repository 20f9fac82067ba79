"""The kubelet's 10250 API (kubelet/server) behind the api-server's pods/log, exec, attach and
portforward proxy (apiserver/rest/kubelet_proxy.py), driven by the real kubectl.

The kubelet server runs in-process (its own thread and event loop) on a runtime derived from
the fake one with deterministic logs and a tiny command interpreter for exec. A Node object
points at it (InternalIP 127.0.0.1, daemonEndpoints port); the "pod IP" is 127.0.0.1, so
port-forward reaches a local TCP echo server.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl
import subprocess
import tempfile
import threading
import uuid

import httpx
import pytest
import websockets

from kubelet.runtime.base import APP, ContainerConfig, ExecHandle, SandboxConfig
from kubelet.runtime.fake import FakeRuntime
from kubelet.server import serve_kubelet_api
from machinery.api import resources
from machinery.client import ApiClient
from tests.cluster import free_port, wait_until
from tests.kubectl import KUBECTL, Kubectl

pytestmark = pytest.mark.component

PODS = resources.lookup("", "v1", "pods")
NODES = resources.lookup("", "v1", "nodes")
NAMESPACES = resources.lookup("", "v1", "namespaces")


# --- a runtime with deterministic streams ------------------------------------------------------

class ScriptedSession:
    """`echo ...`, `sh -c "exit N"`, `sh -c "echo x >&2"` and `cat` (echoes stdin until EOF)."""

    def __init__(self, cmd: list[str]):
        self.out: asyncio.Queue = asyncio.Queue()
        self.code = 0
        script = cmd[2] if cmd[:2] == ["sh", "-c"] and len(cmd) > 2 else ""
        if cmd[:1] == ["echo"]:
            self.out.put_nowait((1, (" ".join(cmd[1:]) + "\n").encode()))
        elif script.startswith("exit "):
            self.code = int(script.split()[1])
        elif script.endswith(">&2"):
            self.out.put_nowait((2, script[5:-4].strip().encode() + b"\n"))
        elif cmd == ["cat"]:
            return                  # ends at close_stdin
        else:
            self.out.put_nowait((2, f"{cmd[0]}: not found\n".encode()))
            self.code = 127
        self.out.put_nowait(None)

    async def read(self):
        return await self.out.get()

    async def write(self, data: bytes) -> None:
        self.out.put_nowait((1, data))

    async def close_stdin(self) -> None:
        self.out.put_nowait(None)

    async def resize(self, width: int, height: int) -> None:
        return None

    async def exit_code(self):
        return self.code

    async def close(self) -> None:
        return None


class ScriptedRuntime(FakeRuntime):
    async def container_logs(self, container_id, *, follow=False, tail=None, timestamps=False,
                             since_s=None, previous=False):
        info = self._get(container_id)
        lines = [f"{info.name} line {i}\n".encode() for i in (1, 2, 3)]
        if tail is not None:
            lines = lines[len(lines) - tail:] if tail else []
        for line in lines:
            yield line
        n = 4
        while follow:
            await asyncio.sleep(0.1)
            yield f"{info.name} line {n}\n".encode()
            n += 1

    async def exec_start(self, handle: ExecHandle) -> ScriptedSession:
        return ScriptedSession(handle.cmd)

    async def attach(self, container_id: str, *, stdin: bool, tty: bool) -> ScriptedSession:
        self._get(container_id)
        return ScriptedSession(["cat"])       # the container's "main process" echoes stdin


# --- the kubelet server in its own thread --------------------------------------------------------

class KubeletThread:
    def __init__(self, node: str):
        self.node, self.port = node, free_port()
        self.runtime = ScriptedRuntime()
        self.pods: dict[str, dict] = {}
        self.loop = asyncio.new_event_loop()
        self.cert_dir = tempfile.mkdtemp(prefix="tinykube-kubelet-")
        self._task = None
        self.thread = threading.Thread(target=self._run, daemon=True, name="kubelet-server")

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self._task = self.loop.create_task(serve_kubelet_api(
            self.runtime, self.node, lambda: list(self.pods.values()), "127.0.0.1", self.port,
            self.cert_dir))
        with contextlib.suppress(asyncio.CancelledError):
            self.loop.run_until_complete(self._task)

    def start(self) -> "KubeletThread":
        self.thread.start()
        wait_until(lambda: httpx.get(f"https://127.0.0.1:{self.port}/healthz",
                                     verify=False).text == "ok", 20, "kubelet server")
        return self

    def call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self._task.cancel)
        self.thread.join(10)

    def add_pod(self, pod: dict, started: bool = True) -> None:
        """Run the pod on the fake runtime (sandbox IP 127.0.0.1) and serve it."""
        meta = pod["metadata"]
        sandbox = self.call(self.runtime.create_sandbox(SandboxConfig(
            self.node, meta["uid"], meta["namespace"], meta["name"], "127.0.0.1")))
        for c in pod["spec"]["containers"]:
            cid = self.call(self.runtime.create_container(
                sandbox, ContainerConfig(c["name"], APP, c["image"])))
            if started:
                self.call(self.runtime.start_container(cid))
        self.pods[f"{meta['namespace']}/{meta['name']}"] = pod


# --- fixtures -------------------------------------------------------------------------------------

def _wired_build_app(original):
    """build_app plus the kubelet proxy routes, unless build_app already registers them."""
    from apiserver.app import AuthMiddleware
    from apiserver.rest.kubelet_proxy import register_kubelet_routes

    def build(settings, token_file=None):
        # The `kubernetes` EndpointSlice refuses a loopback address; nothing here uses it.
        settings.advertise_address = "10.255.255.1"
        app = original(settings, token_file)
        if not any(getattr(r, "path", "").endswith("/pods/{name}/{subresource}")
                   for r in app.router.routes):
            auth = next(m.kwargs["authenticator"] for m in app.user_middleware
                        if m.cls is AuthMiddleware)
            register_kubelet_routes(app, app.state.ctx, auth, include_http=True)
        return app
    return build


@pytest.fixture(scope="module")
def api_server(etcd):
    """An api-server of this module's own, wired to kubelets (the session one may not be)."""
    import apiserver.app
    from tests.cluster import ApiServer
    import functools

    import uvicorn

    from apiserver.rest.kubelet_proxy import UVICORN_WS
    mp = pytest.MonkeyPatch()
    mp.setattr(apiserver.app, "build_app", _wired_build_app(apiserver.app.build_app))
    mp.setattr(uvicorn, "Config", functools.partial(uvicorn.Config, ws=UVICORN_WS))
    try:
        server = ApiServer.start(etcd.url)
    finally:
        mp.undo()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def kubelet():
    k = KubeletThread(f"kls-{uuid.uuid4().hex[:6]}").start()
    yield k
    k.stop()


@pytest.fixture(scope="module")
def kubectl(api_server) -> Kubectl:
    return Kubectl.for_kubeconfig(api_server.kubeconfig)


@pytest.fixture(scope="module")
async def node(api_server, kubelet):
    async with ApiClient.from_kubeconfig(api_server.kubeconfig) as client:
        obj = await client.create(NODES, {"apiVersion": "v1", "kind": "Node",
                                          "metadata": {"name": kubelet.node}})
        obj["status"] = {
            "addresses": [{"type": "InternalIP", "address": "127.0.0.1"},
                          {"type": "Hostname", "address": kubelet.node}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": kubelet.port}}}
        await client.update_status(NODES, obj)
        yield kubelet.node
        await client.delete(NODES, kubelet.node)


@pytest.fixture
async def ns(api_client):
    name = f"kls-{uuid.uuid4().hex[:8]}"
    await api_client.create(NAMESPACES, {"apiVersion": "v1", "kind": "Namespace",
                                         "metadata": {"name": name}})
    yield name
    with contextlib.suppress(Exception):
        await api_client.delete(NAMESPACES, name)


async def make_pod(api_client, kubelet, ns: str, node: str | None, name: str = "web",
                   containers: tuple[str, ...] = ("app",), port: int = 80,
                   started: bool = True) -> dict:
    spec = {"containers": [{"name": c, "image": "busybox",
                            "ports": [{"containerPort": port}]} for c in containers]}
    if node:
        spec["nodeName"] = node
    pod = await api_client.create(PODS, {"apiVersion": "v1", "kind": "Pod",
                                         "metadata": {"name": name}, "spec": spec}, ns)
    if node:
        pod["status"] = {"phase": "Running", "podIP": "127.0.0.1", "hostIP": "127.0.0.1"}
        pod = await api_client.update_status(PODS, pod)
        kubelet.add_pod(pod, started)
    return pod


async def run(kubectl: Kubectl, *args: str, input: str | None = None, timeout: float = 30):
    return await asyncio.to_thread(kubectl.run, *args, input=input, timeout=timeout)


# --- the kubelet alone ----------------------------------------------------------------------------

async def test_kubelet_healthz_and_pods(kubelet, node, api_client, ns):
    await make_pod(api_client, kubelet, ns, node)
    async with httpx.AsyncClient(verify=False) as http:
        base = f"https://127.0.0.1:{kubelet.port}"
        assert (await http.get(base + "/healthz")).text == "ok"
        listed = (await http.get(base + "/pods")).json()
        assert listed["kind"] == "PodList"
        assert f"{ns}/web" in {f"{p['metadata']['namespace']}/{p['metadata']['name']}"
                               for p in listed["items"]}
        missing = await http.get(base + f"/containerLogs/{ns}/nope/app")
        assert missing.status_code == 404 and 'pod "nope" does not exist' in missing.text
        limited = await http.get(base + f"/containerLogs/{ns}/web/app?limitBytes=6")
        assert limited.text == "app li"


# --- logs -----------------------------------------------------------------------------------------

async def test_kubectl_logs_and_tail(kubelet, node, api_client, ns, kubectl):
    await make_pod(api_client, kubelet, ns, node)
    out = await run(kubectl, "logs", "-n", ns, "web")
    assert out.returncode == 0, out.stderr
    assert out.stdout == "app line 1\napp line 2\napp line 3\n"
    tail = await run(kubectl, "logs", "-n", ns, "web", "--tail=1")
    assert tail.stdout == "app line 3\n"


async def test_kubectl_logs_follow_streams_lines(kubelet, node, api_client, ns, kubectl):
    await make_pod(api_client, kubelet, ns, node)
    proc = subprocess.Popen([KUBECTL, "--kubeconfig", kubectl.kubeconfig, "--cache-dir",
                             kubectl.cache_dir, "logs", "-f", "-n", ns, "web"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        while len(lines) < 6:
            line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 15)
            assert line, proc.stderr.read()
            lines.append(line)
        assert lines == [f"app line {i}\n" for i in range(1, 7)]
    finally:
        proc.kill()
        proc.wait()


async def test_log_container_must_be_chosen_when_ambiguous(kubelet, node, api_client, ns):
    await make_pod(api_client, kubelet, ns, node, containers=("a", "b"))
    async with _http(api_client) as http:
        resp = await http.get(f"/api/v1/namespaces/{ns}/pods/web/log")
        assert resp.status_code == 400
        assert resp.json()["message"] == \
            "a container name must be specified for pod web, choose one of: [a b]"
        resp = await http.get(f"/api/v1/namespaces/{ns}/pods/web/log?container=b&tailLines=1")
        assert resp.status_code == 200 and resp.text == "b line 3\n"
        resp = await http.get(f"/api/v1/namespaces/{ns}/pods/web/log?container=zz")
        assert resp.json()["message"] == "container zz is not valid for pod web"
        resp = await http.get(f"/api/v1/namespaces/{ns}/pods/nope/log")
        assert resp.status_code == 404


async def test_log_of_an_unscheduled_pod_is_empty(kubelet, api_client, ns):
    await make_pod(api_client, kubelet, ns, None, name="pending")
    async with _http(api_client) as http:
        resp = await http.get(f"/api/v1/namespaces/{ns}/pods/pending/log")
        assert resp.status_code == 200 and resp.text == ""


# --- exec -----------------------------------------------------------------------------------------

async def test_kubectl_exec_output_and_exit_codes(kubelet, node, api_client, ns, kubectl):
    await make_pod(api_client, kubelet, ns, node)
    out = await run(kubectl, "exec", "-n", ns, "web", "--", "echo", "hi")
    assert (out.returncode, out.stdout) == (0, "hi\n"), out.stderr
    err = await run(kubectl, "exec", "-n", ns, "web", "--", "sh", "-c", "echo oops >&2")
    assert (err.returncode, err.stdout, err.stderr) == (0, "", "oops\n")
    failed = await run(kubectl, "exec", "-n", ns, "web", "--", "sh", "-c", "exit 3")
    assert failed.returncode == 3
    assert "command terminated with exit code 3" in failed.stderr


async def test_kubectl_exec_with_stdin(kubelet, node, api_client, ns, kubectl):
    await make_pod(api_client, kubelet, ns, node)
    out = await run(kubectl, "exec", "-i", "-n", ns, "web", "--", "cat",
                    input="abc\ndef\n")
    assert out.returncode == 0, out.stderr
    assert out.stdout == "abc\ndef\n"


async def test_kubectl_exec_into_a_stopped_container_fails(kubelet, node, api_client, ns,
                                                            kubectl):
    pod = await make_pod(api_client, kubelet, ns, node, started=False)
    pod["status"]["containerStatuses"] = [{"name": "app", "ready": False, "restartCount": 0,
                                           "image": "busybox", "imageID": "",
                                           "state": {"waiting": {"reason": "ContainerCreating"}}}]
    kubelet.pods[f"{ns}/web"] = await api_client.update_status(PODS, pod)
    out = await run(kubectl, "exec", "-n", ns, "web", "--", "echo", "hi")
    assert out.returncode != 0
    assert 'container not found ("app")' in out.stderr
    logs = await run(kubectl, "logs", "-n", ns, "web")
    assert logs.returncode == 1
    assert 'Error from server (BadRequest): container "app" in pod "web" is waiting to start: ' \
        'ContainerCreating' in logs.stderr


async def test_websocket_without_credentials_is_refused(api_server, kubelet, node, api_client,
                                                        ns):
    await make_pod(api_client, kubelet, ns, node)
    ctx = ssl.create_default_context(cafile=api_server.ca_file)
    url = api_server.url.replace("https", "wss") + \
        f"/api/v1/namespaces/{ns}/pods/web/exec?command=echo&command=x&stdout=true"
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(url, ssl=ctx, subprotocols=["v5.channel.k8s.io"])
    assert refused.value.response.status_code == 401
    async with websockets.connect(url, ssl=ctx, subprotocols=["v5.channel.k8s.io"],
                                  additional_headers={"Authorization":
                                                      f"Bearer {api_server.token}"}) as ws:
        assert ws.subprotocol == "v5.channel.k8s.io"
        assert await ws.recv() == b"\x01x\n"
        assert b'"Success"' in await ws.recv()


async def test_attach_over_v5_through_the_api_server(api_server, kubelet, node, api_client,
                                                     ns):
    await make_pod(api_client, kubelet, ns, node)
    ctx = ssl.create_default_context(cafile=api_server.ca_file)
    url = api_server.url.replace("https", "wss") + \
        f"/api/v1/namespaces/{ns}/pods/web/attach?container=app&stdin=true&stdout=true"
    auth = {"Authorization": f"Bearer {api_server.token}"}
    async with websockets.connect(url, ssl=ctx, subprotocols=["v5.channel.k8s.io"],
                                  additional_headers=auth) as ws:
        await ws.send(b"\x04" + b'{"Width":80,"Height":24}')      # resize is accepted
        await ws.send(b"\x00hello")
        assert await asyncio.wait_for(ws.recv(), 10) == b"\x01hello"
        await ws.send(b"\xff\x00")                                # stdin EOF ends it
        assert json.loads((await asyncio.wait_for(ws.recv(), 10))[1:])["status"] == "Success"
        with pytest.raises(websockets.ConnectionClosedOK):
            await asyncio.wait_for(ws.recv(), 10)


async def test_exec_over_v4_directly_on_the_kubelet(kubelet, node, api_client, ns):
    await make_pod(api_client, kubelet, ns, node)
    url = f"wss://127.0.0.1:{kubelet.port}/exec/{ns}/web/app?command=sh&command=-c" \
          "&command=exit+2&stdout=true"
    async with websockets.connect(url, ssl=_insecure(), subprotocols=["v4.channel.k8s.io"]) as ws:
        assert ws.subprotocol == "v4.channel.k8s.io"
        status = json.loads((await asyncio.wait_for(ws.recv(), 10))[1:])
        assert status["reason"] == "NonZeroExitCode"
        assert status["details"]["causes"] == [{"reason": "ExitCode", "message": "2"}]
    with pytest.raises(websockets.InvalidStatus) as refused:       # no known subprotocol
        await websockets.connect(url, ssl=_insecure(), subprotocols=["channel.k8s.io"])
    assert refused.value.response.status_code == 400


def _insecure() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    return ctx


# --- port-forward ------------------------------------------------------------------------------

class EchoServer:
    """A TCP server in its own thread: answers every line with `echo: <line>`."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._client, args=(conn,), daemon=True).start()

    @staticmethod
    def _client(conn):
        with conn, conn.makefile("rwb") as f:
            for line in f:
                f.write(b"echo: " + line)
                f.flush()

    def close(self):
        self.sock.close()


def _round_trip(port: int, text: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(text.encode())
        return s.makefile("rb").readline().decode()


async def test_kubectl_port_forward_reaches_the_pod(kubelet, node, api_client, ns, kubectl):
    echo = EchoServer()
    await make_pod(api_client, kubelet, ns, node, port=echo.port)
    local = free_port()
    proc = subprocess.Popen([KUBECTL, "--kubeconfig", kubectl.kubeconfig, "--cache-dir",
                             kubectl.cache_dir, "port-forward", "-n", ns, "pod/web",
                             f"{local}:{echo.port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 20)
        assert "Forwarding from 127.0.0.1" in line, proc.stderr.read()
        for attempt in ("hello\n", "again\n"):         # two connections: request ids 0 and 1
            answer = await asyncio.wait_for(asyncio.to_thread(_round_trip, local, attempt), 15)
            assert answer == f"echo: {attempt}"
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait()
        echo.close()


async def test_websocket_v4_port_forward(kubelet, node, api_client, ns):
    echo = EchoServer()
    await make_pod(api_client, kubelet, ns, node, port=echo.port)
    url = f"wss://127.0.0.1:{kubelet.port}/portforward/{ns}/web?port={echo.port}"
    try:
        async with websockets.connect(url, ssl=_insecure(),
                                      subprotocols=["v4.channel.k8s.io"]) as ws:
            prefix = echo.port.to_bytes(2, "little")
            assert {await ws.recv(), await ws.recv()} == {b"\x00" + prefix, b"\x01" + prefix}
            await ws.send(b"\x00ping\n")
            assert await asyncio.wait_for(ws.recv(), 10) == b"\x00echo: ping\n"
    finally:
        echo.close()


@contextlib.asynccontextmanager
async def _http(api_client: ApiClient):
    """A raw httpx client with the test api-server's credentials (to read non-JSON bodies)."""
    cfg = api_client.config
    headers = {"Authorization": f"Bearer {cfg.bearer_token()}"} if cfg.bearer_token() else {}
    async with httpx.AsyncClient(base_url=cfg.server, verify=cfg.ssl_context() or True,
                                 headers=headers, timeout=20) as http:
        yield http

