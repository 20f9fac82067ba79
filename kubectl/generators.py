"""The objects `kubectl create <generator>` and `kubectl run` build, field for field as kubectl
v1.32 builds them (so `--dry-run=client -o yaml` prints the same)."""
from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from kubectl.errors import CLIError


def _meta(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "creationTimestamp": None}
    if labels:
        meta["labels"] = labels
    return meta


def set_namespace(obj: dict[str, Any], namespace: str) -> dict[str, Any]:
    """metadata.namespace right after the name, where Go's ObjectMeta keeps it."""
    meta = obj["metadata"]
    obj["metadata"] = {"name": meta["name"], "namespace": namespace,
                       **{k: v for k, v in meta.items() if k not in ("name", "namespace")}}
    return obj


def container_name(image: str) -> str:
    """kubectl's name for a container from its image: the last path part, without tag/digest."""
    name = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    return re.sub(r"[^a-z0-9-]", "-", name.lower())


def deployment(name: str, images: list[str], replicas: int, port: int | None,
               command: list[str] | None) -> dict[str, Any]:
    labels = {"app": name}
    containers, seen = [], set()
    for image in images:
        cname = container_name(image)
        if cname in seen:  # kubectl makes duplicate names unique
            i = 2
            while f"{cname}-{i}" in seen:
                i += 1
            cname = f"{cname}-{i}"
        seen.add(cname)
        c: dict[str, Any] = {"name": cname, "image": image}
        if command:
            c["command"] = command
        if port is not None and port >= 0 and not containers:  # only the first container
            c["ports"] = [{"containerPort": port}]
        c["resources"] = {}
        containers.append(c)
    return {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": _meta(name, labels),
            "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                     "template": {"metadata": {"creationTimestamp": None,
                                               "labels": dict(labels)},
                                  "spec": {"containers": containers}},
                     "strategy": {}},
            "status": {}}


def namespace(name: str) -> dict[str, Any]:
    return {"kind": "Namespace", "apiVersion": "v1", "metadata": _meta(name), "spec": {},
            "status": {}}


def service_account(name: str) -> dict[str, Any]:
    return {"kind": "ServiceAccount", "apiVersion": "v1", "metadata": _meta(name)}


def _key_values(literals: list[str], files: list[str], env_files: list[str]) -> dict[str, str]:
    if env_files and (literals or files):
        raise CLIError("error: from-env-file cannot be combined with from-file or from-literal")
    data: dict[str, str] = {}
    for literal in literals:
        if "=" not in literal or literal.startswith("="):
            raise CLIError(f'error: invalid literal source {literal}, expected key=value')
        key, value = literal.split("=", 1)
        data[key] = value.strip('"') if value.startswith('"') and value.endswith('"') else value
    for spec in files:
        key, _, path = spec.partition("=") if "=" in spec else ("", "", spec)
        p = Path(path)
        if p.is_dir():
            for child in sorted(p.iterdir()):
                if child.is_file():
                    data[child.name] = child.read_text()
            continue
        if not p.exists():
            raise CLIError(f"error: error reading {path}: no such file or directory")
        data[key or p.name] = p.read_text()
    for env_file in env_files:
        for line in Path(env_file).read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition("=")
            data[key] = value
    return data


def configmap(name: str, literals: list[str], files: list[str],
              env_files: list[str]) -> dict[str, Any]:
    obj: dict[str, Any] = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": _meta(name)}
    data = _key_values(literals, files, env_files)
    if data:
        obj["data"] = data
    return obj


def secret_generic(name: str, literals: list[str], files: list[str], env_files: list[str],
                   secret_type: str | None) -> dict[str, Any]:
    obj: dict[str, Any] = {"kind": "Secret", "apiVersion": "v1", "metadata": _meta(name)}
    data = _key_values(literals, files, env_files)
    if data:
        obj["data"] = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    if secret_type:
        obj["type"] = secret_type
    return obj


def service(name: str, svc_type: str, tcp: list[str], cluster_ip: str | None,
            node_port: int | None, external_name: str | None = None) -> dict[str, Any]:
    labels = {"app": name}
    spec: dict[str, Any] = {}
    ports = []
    for spec_text in tcp:
        port, _, target = spec_text.partition(":")
        entry: dict[str, Any] = {"name": f"{port}-{target}" if target else port,
                                 "protocol": "TCP", "port": int(port),
                                 "targetPort": _int_or_str(target or port)}
        if node_port:
            entry["nodePort"] = node_port
        ports.append(entry)
    if ports:
        spec["ports"] = ports
    if svc_type != "ExternalName":
        spec["selector"] = labels
    if cluster_ip:
        spec["clusterIP"] = cluster_ip
    spec["type"] = svc_type
    if external_name:
        spec["externalName"] = external_name
    return {"kind": "Service", "apiVersion": "v1", "metadata": _meta(name, labels), "spec": spec,
            "status": {"loadBalancer": {}}}


def _int_or_str(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def _job_pod_template(name: str, image: str, command: list[str] | None,
                      restart: str) -> dict[str, Any]:
    c: dict[str, Any] = {"name": name, "image": image}
    if command:
        c["command"] = command
    c["resources"] = {}
    return {"metadata": {"creationTimestamp": None},
            "spec": {"containers": [c], "restartPolicy": restart}}


def job(name: str, image: str, command: list[str] | None) -> dict[str, Any]:
    return {"kind": "Job", "apiVersion": "batch/v1", "metadata": _meta(name),
            "spec": {"template": _job_pod_template(name, image, command, "Never")},
            "status": {}}


def cronjob(name: str, image: str, schedule: str, command: list[str] | None,
            restart: str | None) -> dict[str, Any]:
    return {"kind": "CronJob", "apiVersion": "batch/v1", "metadata": _meta(name),
            "spec": {"schedule": schedule,
                     "jobTemplate": {"metadata": {"name": name, "creationTimestamp": None},
                                     "spec": {"template": _job_pod_template(
                                         name, image, command, restart or "OnFailure")}}},
            "status": {}}


def pod(name: str, image: str, labels: dict[str, str] | None, env: list[str],
        port: int | None, args: list[str] | None, command: bool, restart: str,
        image_pull_policy: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"name": name, "image": image}
    if args:
        c["command" if command else "args"] = args
    if port is not None and port >= 0:
        c["ports"] = [{"containerPort": port}]
    if env:
        c["env"] = [{"name": e.split("=", 1)[0], "value": e.split("=", 1)[1] if "=" in e else ""}
                    for e in env]
    c["resources"] = {}
    if image_pull_policy:
        c["imagePullPolicy"] = image_pull_policy
    return {"kind": "Pod", "apiVersion": "v1",
            "metadata": _meta(name, labels or {"run": name}),
            "spec": {"containers": [c], "restartPolicy": restart, "dnsPolicy": "ClusterFirst"},
            "status": {}}


def parse_labels(text: str | None) -> dict[str, str] | None:
    if not text:
        return None
    out = {}
    for part in text.split(","):
        if "=" not in part:
            raise CLIError(f"error: invalid label spec: {part}")
        k, v = part.split("=", 1)
        out[k] = v
    return out
