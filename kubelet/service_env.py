"""Docker-links-style environment variables for Services, as upstream's kubelet injects them.

For a Service `my-svc` with ClusterIP 10.96.0.10 and port 80/TCP named `http`:
MY_SVC_SERVICE_HOST=10.96.0.10, MY_SVC_SERVICE_PORT=80, MY_SVC_SERVICE_PORT_HTTP=80,
MY_SVC_PORT=tcp://10.96.0.10:80, MY_SVC_PORT_80_TCP=tcp://10.96.0.10:80,
MY_SVC_PORT_80_TCP_PROTO=tcp, MY_SVC_PORT_80_TCP_PORT=80, MY_SVC_PORT_80_TCP_ADDR=10.96.0.10.
The pod's namespace's Services when `enableServiceLinks` (default true), and always the
`kubernetes` Service of `default`, so in-cluster clients find the api-server.
"""
from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


def _env_name(name: str) -> str:
    return name.upper().replace("-", "_")


def service_env(services: list[Obj]) -> dict[str, str]:
    env: dict[str, str] = {}
    for svc in sorted(services, key=lambda s: s["metadata"]["name"]):
        spec = svc.get("spec") or {}
        ip = spec.get("clusterIP")
        ports = spec.get("ports") or []
        if not ip or ip == "None" or not ports:
            continue
        prefix = _env_name(svc["metadata"]["name"])
        env[f"{prefix}_SERVICE_HOST"] = ip
        env[f"{prefix}_SERVICE_PORT"] = str(ports[0]["port"])
        for port in ports:
            if port.get("name"):
                env[f"{prefix}_SERVICE_PORT_{_env_name(port['name'])}"] = str(port["port"])
        first = ports[0]
        env[f"{prefix}_PORT"] = f"{first.get('protocol', 'TCP').lower()}://{ip}:{first['port']}"
        for port in ports:
            proto = port.get("protocol", "TCP")
            base = f"{prefix}_PORT_{port['port']}_{proto.upper()}"
            env[base] = f"{proto.lower()}://{ip}:{port['port']}"
            env[f"{base}_PROTO"] = proto.lower()
            env[f"{base}_PORT"] = str(port["port"])
            env[f"{base}_ADDR"] = ip
    return env
