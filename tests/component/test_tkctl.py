"""Side by side: every scenario runs with the real kubectl (/usr/bin/kubectl) and with tkctl
against the same api-server, and their stdout, stderr and exit codes must agree once ages
(`5s`, `3m10s`), and the per-tool namespace names, are normalised.

Read-only scenarios run both tools in one namespace; scenarios that change objects run each
tool in its own namespace prepared the same way ("k-..." for kubectl, "t-..." for tkctl).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.kubectl import KUBECTL, Kubectl

pytestmark = pytest.mark.component

REPO = Path(__file__).resolve().parents[2]
AGE = re.compile(r"(?<![\w.-])(\d+(s|m|h|d|y)(\d+(s|m|h))?|<unknown>)(?![\w.-])")
WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        env: [{name: A, value: "1"}]
        ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
"""
# (a `kind: List` would do, but this api-server's OpenAPI has no v1 List schema, so the real
# kubectl's validation refuses it; tests/unit/test_tkctl_builder.py covers Lists)
CONFIG = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: one, labels: {tier: a}}
data: {k: v}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: two, labels: {tier: b}}
data: {x: "1"}
"""
# one data key each: kubectl's describe prints a ConfigMap's data in Go's random map order


@dataclass
class Result:
    stdout: str
    stderr: str
    code: int


class Tkctl:
    def __init__(self, kubeconfig: str):
        self.kubeconfig = kubeconfig

    def run(self, *args: str, input: str | None = None, env: dict | None = None) -> Result:
        proc = subprocess.run([sys.executable, "-m", "kubectl.main", "--kubeconfig",
                               self.kubeconfig, *args], input=input, capture_output=True,
                              text=True, timeout=60, cwd=REPO, env={**os.environ, **(env or {})})
        return Result(proc.stdout, proc.stderr, proc.returncode)


class Real:
    def __init__(self, kubeconfig: str):
        self.kubectl = Kubectl.for_kubeconfig(kubeconfig)

    def run(self, *args: str, input: str | None = None, env: dict | None = None) -> Result:
        proc = self.kubectl.run(*args, input=input, env=env)
        return Result(proc.stdout, proc.stderr, proc.returncode)


def normalise(text: str, namespaces: tuple[str, ...] = ()) -> str:
    for ns in namespaces:
        text = re.sub(rf"(?<![\w-]){re.escape(ns)}(?![\w-])", "NS", text)
    text = AGE.sub("AGE", text)
    text = re.sub(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}", "TIME", text)
    if namespaces:  # objects in two namespaces get different cluster IPs
        text = re.sub(r"\b10\.96\.\d+\.\d+\b", "CLUSTER-IP", text)
    # klog's prefix on cobra's flag errors ("E1128 08:44:06.550441 740 run.go:72] ...")
    text = re.sub(r'^E\d{4} [\d:.]+\s+\d+ run\.go:\d+\] "command failed" err="(.*)"$',
                  lambda m: "error: " + m.group(1).replace('\\"', '"'), text, flags=re.M)
    return re.sub(r"[ \t]+", " ", text)


@dataclass
class Pair:
    real: Real
    ours: Tkctl

    def same(self, *args: str, namespaces: tuple[str, str] | None = None,
             input: str | None = None, env: dict | None = None) -> Result:
        """Run both (in one namespace, or each in its own); assert they agree."""
        if namespaces:
            k = self.real.run("-n", namespaces[0], *args, input=input, env=env)
            t = self.ours.run("-n", namespaces[1], *args, input=input, env=env)
        else:
            k = self.real.run(*args, input=input, env=env)
            t = self.ours.run(*args, input=input, env=env)
        names = namespaces or ()
        assert (normalise(t.stdout, names), normalise(t.stderr, names), t.code) == \
            (normalise(k.stdout, names), normalise(k.stderr, names), k.code), \
            f"tkctl {' '.join(args)} differs from kubectl"
        return t


@pytest.fixture(scope="module")
def pair(api_server) -> Pair:
    return Pair(Real(api_server.kubeconfig), Tkctl(api_server.kubeconfig))


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "web.yaml").write_text(WEB)
    (tmp_path / "web2.yaml").write_text(WEB.replace("nginx:1.25", "nginx:1.26")
                                        .replace('        env: [{name: A, value: "1"}]\n', ""))
    (tmp_path / "config.yaml").write_text(CONFIG)
    return tmp_path


_CREATED: list[str] = []


def _namespaces(pair: Pair, count: int) -> list[str]:
    """Fresh namespaces, deleted when the module's tests are done."""
    names = []
    for _ in range(count):
        name = f"tk-{uuid.uuid4().hex[:8]}"
        assert pair.real.run("create", "namespace", name).code == 0
        names.append(name)
    _CREATED.extend(names)
    return names


@pytest.fixture(scope="module", autouse=True)
def _cleanup(pair: Pair):
    yield
    for name in _CREATED:
        pair.real.run("delete", "namespace", name, "--wait=false")


@pytest.fixture
def two(pair: Pair, files: Path):
    """(kubectl's namespace, tkctl's namespace), prepared alike with web.yaml applied."""
    k, t = _namespaces(pair, 2)
    for ns in (k, t):
        assert pair.real.run("-n", ns, "apply", "-f", str(files / "web.yaml")).code == 0
        assert pair.real.run("-n", ns, "run", "p1", "--image=nginx", "--labels=app=p").code == 0
    return k, t


@pytest.fixture(scope="module")
def shared(pair: Pair, tmp_path_factory) -> str:
    """One namespace with a few objects, for read-only scenarios."""
    ns = _namespaces(pair, 1)[0]
    path = tmp_path_factory.mktemp("shared")
    (path / "web.yaml").write_text(WEB)
    (path / "config.yaml").write_text(CONFIG)
    for args in (["apply", "-f", str(path / "web.yaml")], ["apply", "-f", str(path / "config.yaml")],
                 ["run", "p1", "--image=nginx", "--labels=app=web,tier=fe", "--env=A=1",
                  "--port=80"],
                 ["create", "secret", "generic", "s1", "--from-literal=a=b"]):
        assert pair.real.run("-n", ns, *args).code == 0
    return ns


# --- get: every output form (read-only) ------------------------------------------------------

GET_SCENARIOS = [
    ["get", "pods"], ["get", "pod", "p1"], ["get", "pods", "-o", "wide"],
    ["get", "deploy,svc,cm"], ["get", "all"], ["get", "cm", "-o", "yaml"],
    ["get", "cm", "one", "-o", "json"], ["get", "deploy", "web", "-o", "yaml"],
    ["get", "cm,deploy", "-o", "name"], ["get", "cm", "--show-labels"],
    ["get", "cm", "-L", "tier", "-L", "x/y"], ["get", "cm", "--no-headers"],
    ["get", "cm", "-l", "tier=b"], ["get", "cm", "-l", "tier in (a,b)", "-o", "name"],
    ["get", "pods", "--field-selector", "status.phase=Pending"],
    ["get", "cm", "--sort-by", ".metadata.name"], ["get", "cm", "--sort-by", "{.data.k}",
                                                   "-o", "name"],
    ["get", "cm", "-o", "jsonpath={.items[*].metadata.name}"],
    ["get", "cm", "-o", 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.data}{"\\n"}{end}'],
    ["get", "pod", "p1", "-o", "jsonpath={.spec.containers[0].image}"],
    ["get", "cm", "-o", "custom-columns=NAME:.metadata.name,TIER:.metadata.labels.tier,X:.data.x"],
    ["get", "cm/one", "deploy/web"], ["get", "pod", "p1", "nope"], ["get", "pods", "nope"],
    ["get", "nothing-here"], ["get", "cm", "-o", "bogus"], ["get", "secrets", "-o", "yaml"],
    ["get", "cm", "--ignore-not-found", "nope"], ["get", "cm", "-o", "wide"],
]


@pytest.mark.parametrize("args", GET_SCENARIOS, ids=lambda a: " ".join(a))
def test_get(pair: Pair, shared: str, args: list[str]):
    pair.same("-n", shared, *args)


def test_get_across_namespaces_and_cluster_scope(pair: Pair, shared: str):
    pair.same("get", "namespaces", shared)
    pair.same("get", "cm", "-A", "-l", "tier=a", "--field-selector", f"metadata.namespace={shared}")
    pair.same("get", "svc", "-A", "--field-selector", "metadata.name=kubernetes")


def test_get_empty_namespace(pair: Pair):
    ns = _namespaces(pair, 1)[0]
    pair.same("-n", ns, "get", "pods")
    pair.same("-n", ns, "get", "pods", "-o", "yaml")
    pair.same("-n", ns, "get", "all")


# --- describe, explain, api-resources, config (read-only) -------------------------------------

@pytest.mark.parametrize("args", [
    ["describe", "pod", "p1"], ["describe", "deploy", "web"], ["describe", "svc", "web"],
    ["describe", "cm", "one"], ["describe", "secret", "s1"], ["describe", "pods"],
    ["describe", "pod", "nope"], ["describe", "cm", "t"],
], ids=lambda a: " ".join(a))
def test_describe(pair: Pair, shared: str, args: list[str]):
    pair.same("-n", shared, *args)


def test_describe_namespace(pair: Pair, shared: str):
    pair.same("describe", "namespace", shared)


@pytest.mark.parametrize("args", [
    ["explain", "deployment"], ["explain", "deploy.spec.strategy"],
    ["explain", "pods.spec.containers.ports"], ["explain", "svc.spec"],
    ["explain", "deployment.metadata.labels"], ["explain", "deploy.spec.nope"],
    ["explain", "nosuchthing"], ["explain", "cm", "--recursive"],
    ["api-resources"], ["api-resources", "-o", "wide"], ["api-resources", "-o", "name"],
    ["api-resources", "--namespaced=false"], ["api-resources", "--api-group=apps"],
    ["api-versions"],
], ids=lambda a: " ".join(a))
def test_discovery_and_explain(pair: Pair, args: list[str]):
    pair.same(*args)


@pytest.mark.parametrize("args", [
    ["config", "view"], ["config", "view", "--raw"], ["config", "get-contexts"],
    ["config", "current-context"], ["config", "get-clusters"], ["config", "get-users"],
    ["config", "view", "--minify", "-o", "jsonpath={.contexts[0].context.cluster}"],
    ["config", "use-context", "nope"],
], ids=lambda a: " ".join(a))
def test_config_reads(pair: Pair, args: list[str]):
    pair.same(*args)


def test_config_writes(pair: Pair, api_server, tmp_path: Path):
    text = Path(api_server.kubeconfig).read_text()
    (tmp_path / "k").write_text(text)
    (tmp_path / "t").write_text(text)
    for args in (["set-context", "other", "--cluster=c", "--user=u", "--namespace=x"],
                 ["set-context", "other", "--namespace=y"], ["use-context", "other"],
                 ["get-contexts"], ["set-context", "--current", "--namespace=z"],
                 ["rename-context", "other", "o2"], ["current-context"],
                 ["delete-context", "o2"]):
        k = pair.real.run("--kubeconfig", str(tmp_path / "k"), "config", *args)
        t = pair.ours.run("--kubeconfig", str(tmp_path / "t"), "config", *args)
        paths = (str(tmp_path / "k"), str(tmp_path / "t"))
        assert (normalise(t.stdout, paths), normalise(t.stderr, paths), t.code) == \
            (normalise(k.stdout, paths), normalise(k.stderr, paths), k.code), args


# --- writes: each tool in its own namespace ---------------------------------------------------

def test_apply_create_configure_unchanged(pair: Pair, files: Path):
    ns = tuple(_namespaces(pair, 2))
    pair.same("apply", "-f", str(files / "web.yaml"), namespaces=ns)
    pair.same("apply", "-f", str(files / "web.yaml"), namespaces=ns)          # unchanged
    pair.same("scale", "deploy", "web", "--replicas=5", namespaces=ns)
    pair.same("apply", "-f", str(files / "web2.yaml"), namespaces=ns)         # configured
    _same_objects(pair, ns, "deploy", "web")
    pair.same("apply", "-f", str(files / "config.yaml"), "-o", "name", namespaces=ns)
    pair.same("apply", "-f", "-", namespaces=ns, input=CONFIG.replace('"1"', '"2"'))
    _same_objects(pair, ns, "cm", "two")


def _same_objects(pair: Pair, ns: tuple[str, str], kind: str, name: str) -> None:
    """The objects each tool produced are equal apart from identity and server-set fields."""
    import yaml
    docs = []
    for tool, namespace in ((pair.real, ns[0]), (pair.real, ns[1])):
        obj = yaml.safe_load(tool.run("-n", namespace, "get", kind, name, "-o", "yaml").stdout)
        meta = obj["metadata"]
        for key in ("uid", "resourceVersion", "creationTimestamp", "namespace", "generation"):
            meta.pop(key, None)
        annotations = meta.get("annotations") or {}
        for key, value in list(annotations.items()):
            annotations[key] = value.replace(namespace, "NS")
        obj.pop("status", None)
        docs.append(obj)
    assert docs[0] == docs[1]


def test_server_side_apply(pair: Pair, files: Path):
    ns = tuple(_namespaces(pair, 2))
    pair.same("apply", "--server-side", "-f", str(files / "web.yaml"), namespaces=ns)
    pair.same("apply", "--server-side", "-f", str(files / "web2.yaml"), namespaces=ns)
    _same_objects(pair, ns, "deploy", "web")


def test_create_from_files_and_errors(pair: Pair, files: Path):
    ns = tuple(_namespaces(pair, 2))
    pair.same("create", "-f", str(files / "web.yaml"), namespaces=ns)
    pair.same("create", "-f", str(files / "web.yaml"), namespaces=ns)         # AlreadyExists
    pair.same("create", "-f", str(files), namespaces=ns)                      # a directory
    invalid = "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec: {containers: []}\n"
    pair.same("create", "-f", "-", namespaces=ns, input=invalid)              # Invalid
    pair.same("apply", "-f", "-", namespaces=ns, input=invalid)


GENERATORS = [
    ["deployment", "d1", "--image=nginx:1.25", "--image=busybox", "--replicas=2", "--port=80"],
    ["namespace", "NAME"], ["configmap", "c1", "--from-literal=a=b", "--from-literal=y=yes"],
    ["secret", "generic", "s1", "--from-literal=a=b", "--type=Opaque"],
    ["service", "clusterip", "s1", "--tcp=80:8080", "--tcp=443"],
    ["service", "nodeport", "s2", "--tcp=80:8080"], ["service", "clusterip", "h1",
                                                     "--clusterip=None"],
    ["job", "j1", "--image=busybox"], ["cronjob", "cj1", "--image=busybox",
                                       "--schedule=*/5 * * * *"],
    ["serviceaccount", "sa1"],
]


@pytest.fixture(scope="module")
def generator_namespaces(pair: Pair):
    return tuple(_namespaces(pair, 2))


@pytest.mark.parametrize("args", GENERATORS, ids=lambda a: " ".join(a[:2]))
def test_create_generators(pair: Pair, generator_namespaces, args: list[str]):
    ns = generator_namespaces
    if args[0] == "namespace":
        name = f"tk-gen-{uuid.uuid4().hex[:6]}"
        args = ["namespace", name]
        pair.same("create", *args, "--dry-run=client", "-o", "yaml")
        return
    for mode in (["--dry-run=client", "-o", "yaml"], ["--dry-run=client", "-o", "json"], []):
        pair.same("create", *args, *mode, namespaces=ns)
    pair.same("create", *args, namespaces=ns)                                 # already exists


def test_generator_with_command(pair: Pair):
    pair.same("create", "deployment", "d", "--image=nginx", "--dry-run=client", "-o", "yaml",
              "--", "sleep", "10")
    pair.same("create", "job", "j", "--image=busybox", "--dry-run=client", "-o", "json", "--",
              "echo", "hi")
    pair.same("run", "r", "--image=busybox", "--labels=a=b", "--env=X=1", "--port=80",
              "--dry-run=client", "-o", "yaml", "--", "sleep", "3600")


def test_label_and_annotate(pair: Pair, two):
    for args in (["label", "pod", "p1", "a=1"], ["label", "pod", "p1", "a=1"],
                 ["label", "pod", "p1", "a=2"], ["label", "pod", "p1", "a=2", "--overwrite"],
                 ["label", "pod", "p1", "a-"], ["label", "pod", "p1", "a-"],
                 ["label", "pod", "p1", "b=2", "c=3", "-o", "name"],
                 ["label", "pod", "p1", "b-", "d=4"], ["label", "pod", "p1"],
                 ["label", "pod", "nope", "a=1"], ["label", "pod", "p1", "b@d=1"],
                 ["label", "pod", "p1", "x=1", "--resource-version=1"],
                 ["label", "pods", "--all", "z=1"],
                 ["annotate", "pod", "p1", "note=hi there"], ["annotate", "pod", "p1", "note-"],
                 ["get", "pods", "--show-labels"]):
        pair.same(*args, namespaces=two)


def test_scale_patch_set_image_rollout(pair: Pair, two):
    for args in (["scale", "deploy", "web", "--replicas=3"],
                 ["scale", "deploy/web", "--replicas=3", "--current-replicas=2"],
                 ["scale", "deploy", "web"],
                 ["patch", "deploy", "web", "-p", '{"spec":{"replicas":2}}'],
                 ["patch", "deploy", "web", "-p", '{"spec":{"replicas":2}}'],
                 ["patch", "deploy", "web", "--type=merge", "-p", '{"metadata":{"labels":{"x":"y"}}}'],
                 ["patch", "deploy", "web", "--type=json", "-p",
                  '[{"op":"replace","path":"/spec/replicas","value":1}]'],
                 ["patch", "deploy", "web", "-p", "{bad"],
                 ["set", "image", "deploy/web", "nginx=nginx:1.26"],
                 ["set", "image", "deploy/web", "nginx=nginx:1.26"],
                 ["set", "image", "deploy/web", "foo=bar"],
                 ["rollout", "pause", "deploy/web"], ["rollout", "pause", "deploy/web"],
                 ["rollout", "resume", "deploy/web"], ["rollout", "resume", "deploy/web"],
                 ["rollout", "history", "deploy/web"], ["rollout", "undo", "deploy/web"],
                 ["rollout", "status", "deploy/web", "--timeout=1s"],
                 ["expose", "deploy", "web", "--port=8080", "--target-port=80", "--name=web2"],
                 ["expose", "deploy", "web", "--port=8080", "--name=web2"],
                 ["expose", "pod", "p1", "--port=80"], ["expose", "cm", "nope", "--port=80"],
                 ["run", "p2", "--image=nginx"], ["run", "p2", "--image=nginx"],
                 ["logs", "p1"], ["exec", "p1", "--", "ls"],
                 ["get", "deploy,svc,pods"]):
        pair.same(*args, namespaces=two)


def test_edit(pair: Pair, two, tmp_path: Path):
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/image: nginx:1.25/image: nginx:1.27/' \"$1\"\n")
    editor.chmod(0o755)
    pair.same("edit", "deploy", "web", namespaces=two, env={"KUBE_EDITOR": str(editor)})
    pair.same("edit", "deploy/web", namespaces=two, env={"KUBE_EDITOR": "true"})
    pair.same("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[*].image}",
              namespaces=two)


def test_delete(pair: Pair, two, files: Path):
    for args in (["delete", "pod", "p1", "--grace-period=0", "--force"],
                 ["delete", "pod", "p1"], ["delete", "pods"],
                 ["delete", "-f", str(files / "web.yaml")],
                 ["delete", "-f", str(files / "web.yaml")],
                 ["delete", "cm", "nope", "--ignore-not-found"],
                 ["delete", "cm", "-l", "nope=x"], ["delete"]):
        pair.same(*args, namespaces=two)
    for ns in two:
        pair.real.run("-n", ns, "create", "configmap", "c1")
        pair.real.run("-n", ns, "create", "configmap", "c2")
    pair.same("delete", "cm", "--all", "-o", "name", namespaces=two)


def test_wait(pair: Pair, two):
    for args in (["wait", "--for=create", "pod/p1"],
                 ["wait", "--for=condition=Ready", "pod/p1", "--timeout=1s"],
                 ["wait", "--for=jsonpath={.status.phase}=Pending", "pod/p1"],
                 ["wait", "--for=delete", "pod/nope", "--timeout=1s"],
                 ["wait", "--for=condition=Ready", "pod/nope", "--timeout=1s"]):
        pair.same(*args, namespaces=two)


def test_get_watch(pair: Pair, api_server):
    """`get -w` prints the list, then one row per event, aligned under the first header."""
    ns = _namespaces(pair, 1)[0]
    pair.real.run("-n", ns, "run", "a", "--image=x")
    base = ["--kubeconfig", api_server.kubeconfig, "-n", ns, "get", "pods", "-w",
            "--output-watch-events"]
    procs = [subprocess.Popen([KUBECTL,
                               "--cache-dir", pair.real.kubectl.cache_dir, *base],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
             subprocess.Popen([sys.executable, "-m", "kubectl.main", *base], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    try:
        for proc in procs:      # each has listed (header + the row of "a") before any change
            assert proc.stdout.readline().startswith("EVENT")
            assert proc.stdout.readline().startswith("ADDED")
        time.sleep(0.5)         # and started its watch (no event exists to wait on yet)
        pair.real.run("-n", ns, "run", "a-much-longer-name", "--image=x")
        pair.real.run("-n", ns, "label", "pod", "a", "x=y")
        pair.real.run("-n", ns, "delete", "pod", "a", "--wait=false")
        time.sleep(1.5)
    finally:
        outputs = []
        for proc in procs:
            proc.terminate()
            outputs.append("EVENT\nADDED\n" + proc.communicate(timeout=10)[0])
    assert normalise(outputs[1]) == normalise(outputs[0])
    assert normalise(outputs[1]).count("\n") == 5


def test_cordon_uncordon_and_describe_node(pair: Pair):
    names = [f"tk-node-{uuid.uuid4().hex[:6]}" for _ in range(2)]
    for name in names:
        assert pair.real.run("create", "-f", "-", input=(
            f"apiVersion: v1\nkind: Node\nmetadata: {{name: {name}}}\n")).code == 0
    try:
        ns = _namespaces(pair, 1)[0]
        for name in names:      # an unmanaged pod on each node: drain refuses, then --force
            assert pair.real.run("-n", ns, "run", name, "--image=x", "--overrides",
                                 f'{{"spec":{{"nodeName":"{name}"}}}}').code == 0
        for args in (["cordon"], ["cordon"], ["uncordon"], ["uncordon"], ["describe", "node"],
                     ["drain", "--timeout=5s"], ["drain", "--force", "--grace-period=0",
                                                 "--timeout=20s"]):
            k = pair.real.run(*args, names[0])
            t = pair.ours.run(*args, names[1])
            assert (normalise(t.stdout, tuple(names)), normalise(t.stderr, tuple(names)),
                    t.code) == (normalise(k.stdout, tuple(names)),
                                normalise(k.stderr, tuple(names)), k.code), args
    finally:
        for name in names:
            pair.real.run("delete", "node", name)
