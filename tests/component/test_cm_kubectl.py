"""The real kubectl v1.32 against the api-server with the controllers running: rollout status,
set image, rollout history, rollout undo and describe tell the upstream story.

kubectl is a blocking subprocess: it runs in a thread so the controllers (on this event loop)
keep working while it waits."""
import asyncio
import re

import pytest

from controller_manager import deployment_util as du
from tests.component.cm_harness import REPLICASETS, RunningControllers, Sandbox
from tests.kubectl import Kubectl

pytestmark = pytest.mark.component

MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports:
        - containerPort: 80
"""


@pytest.fixture(scope="module")
async def controllers(api_server):
    running = await RunningControllers.start(api_server.kubeconfig)
    yield running
    await running.stop()


@pytest.fixture
async def ns(controllers):
    sandbox = await Sandbox.create(controllers.client, "kc")
    sandbox.kubelet.ready_delay_s = 0.3        # slow enough for kubectl to see progress
    yield sandbox
    await sandbox.delete()


@pytest.fixture(scope="module")
def kubectl(api_server):
    return Kubectl.for_kubeconfig(api_server.kubeconfig)


async def run(kubectl, ns, *args, input=None):
    return await asyncio.to_thread(kubectl.run, "-n", ns.name, *args, input=input, timeout=90)


# kubectl's DeploymentStatusViewer messages while a rollout is under way
PROGRESS_LINE = re.compile(
    r'Waiting for deployment spec update to be observed\.\.\.|'
    r'Waiting for deployment "web" rollout to finish: (\d+ out of \d+ new replicas have been '
    r'updated|\d+ old replicas are pending termination|\d+ of \d+ updated replicas are '
    r'available)\.\.\.')


async def rollout_status(kubectl, ns):
    proc = await run(kubectl, ns, "rollout", "status", "deployment/web", "--timeout=60s")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[-1] == 'deployment "web" successfully rolled out'
    return lines


async def test_rollout_status_history_undo(kubectl, ns, controllers):
    created = await run(kubectl, ns, "apply", "-f", "-", input=MANIFEST)
    assert created.returncode == 0, created.stderr
    lines = await rollout_status(kubectl, ns)
    for line in lines[:-1]:
        assert PROGRESS_LINE.fullmatch(line), line

    changed = await run(kubectl, ns, "set", "image", "deployment/web", "nginx=nginx:1.26")
    assert changed.stdout.strip() == "deployment.apps/web image updated"
    await rollout_status(kubectl, ns)

    history = await run(kubectl, ns, "rollout", "history", "deployment/web")
    assert history.returncode == 0, history.stderr
    assert _revisions(history.stdout) == ["1", "2"]
    shown = await run(kubectl, ns, "rollout", "history", "deployment/web", "--revision=1")
    assert "nginx:1.25" in shown.stdout

    undone = await run(kubectl, ns, "rollout", "undo", "deployment/web")
    assert undone.stdout.strip() == "deployment.apps/web rolled back", undone.stderr
    await rollout_status(kubectl, ns)
    history = await run(kubectl, ns, "rollout", "history", "deployment/web")
    assert _revisions(history.stdout) == ["2", "3"]
    rss = (await ns.client.list(REPLICASETS, ns.name))["items"]
    assert len(rss) == 2
    back = next(rs for rs in rss if rs["spec"]["template"]["spec"]["containers"][0]["image"]
                == "nginx:1.25")
    assert back["metadata"]["annotations"][du.REVISION] == "3"

    skipped = await run(kubectl, ns, "rollout", "undo", "deployment/web", "--to-revision=3")
    assert "skipped rollback (current template already matches revision 3)" in \
        skipped.stdout + skipped.stderr


async def test_describe_deployment_shows_replica_sets_and_events(kubectl, ns, controllers):
    assert (await run(kubectl, ns, "apply", "-f", "-", input=MANIFEST)).returncode == 0
    await rollout_status(kubectl, ns)
    await controllers.flush_events()
    described = await run(kubectl, ns, "describe", "deployment", "web")
    assert described.returncode == 0, described.stderr
    out = described.stdout
    new_rs = re.search(r"NewReplicaSet:\s+(web-\S+) \((\d+)/(\d+) replicas created\)", out)
    assert new_rs and new_rs.group(2, 3) == ("3", "3"), out
    assert re.search(r"Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| "
                     r"0 unavailable", out), out
    assert re.search(r"Available\s+True\s+MinimumReplicasAvailable", out), out
    assert re.search(r"Progressing\s+True\s+NewReplicaSetAvailable", out), out
    assert re.search(rf"Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+"
                     rf"Scaled up replica set {new_rs.group(1)} from 0 to 3", out), out


def _revisions(history: str) -> list[str]:
    return [line.split()[0] for line in history.strip().splitlines()[2:] if line.strip()]
