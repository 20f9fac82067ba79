"""Describers for services, namespaces, config maps, secrets and service accounts."""
from __future__ import annotations

import base64
from typing import Any

from machinery.api.errors import ApiError

from kubectl.cli import Invocation
from kubectl.commands.describe_format import (PrefixWriter, annotations_multiline,
                                              describe_events, labels_multiline)


def describe_service(inv: Invocation, svc: dict[str, Any], events: list | None) -> str:
    w = PrefixWriter()
    meta, spec = svc["metadata"], svc.get("spec") or {}
    w.write(0, f"Name:\t{meta['name']}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    selector = spec.get("selector") or {}
    w.write(0, f"Selector:\t{','.join(f'{k}={selector[k]}' for k in sorted(selector))}\n")
    w.write(0, f"Type:\t{spec.get('type', '')}\n")
    if spec.get("ipFamilyPolicy"):
        w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    w.write(0, f"IP Families:\t{','.join(spec.get('ipFamilies') or []) or '<none>'}\n")
    w.write(0, f"IP:\t{spec.get('clusterIP', '')}\n")
    w.write(0, f"IPs:\t{','.join(spec.get('clusterIPs') or []) or '<none>'}\n")
    if spec.get("externalIPs"):
        w.write(0, f"External IPs:\t{','.join(spec['externalIPs'])}\n")
    if spec.get("externalName"):
        w.write(0, f"External Name:\t{spec['externalName']}\n")
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        w.write(0, "LoadBalancer Ingress:\t"
                   f"{', '.join(i.get('ip') or i.get('hostname', '') for i in ingress)}\n")
    slices = _endpoint_slices(inv, meta)
    for port in spec.get("ports") or []:
        name = port.get("name") or "<unset>"
        proto = port.get("protocol", "")
        w.write(0, f"Port:\t{name}\t{port.get('port')}/{proto}\n")
        w.write(0, f"TargetPort:\t{port.get('targetPort', port.get('port'))}/{proto}\n")
        if port.get("nodePort"):
            w.write(0, f"NodePort:\t{name}\t{port['nodePort']}/{proto}\n")
        w.write(0, f"Endpoints:\t{_format_endpoints(slices, port.get('name', ''))}\n")
    w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity', '')}\n")
    if spec.get("externalTrafficPolicy"):
        w.write(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}\n")
    if spec.get("internalTrafficPolicy"):
        w.write(0, f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}\n")
    describe_events(w, events)
    return w.render()


def _endpoint_slices(inv: Invocation, meta: dict[str, Any]) -> list[dict[str, Any]]:
    path = f"/apis/discovery.k8s.io/v1/namespaces/{meta.get('namespace')}/endpointslices"
    try:
        return inv.client.get(path, params={
            "labelSelector": f"kubernetes.io/service-name={meta['name']}"}).get("items") or []
    except ApiError:
        return []


def _format_endpoints(slices: list[dict[str, Any]], port_name: str) -> str:
    if not slices:
        return "<none>"
    found: list[str] = []
    for s in slices:
        ports = s.get("ports") or []
        endpoints = [e for e in s.get("endpoints") or []
                     if (e.get("conditions") or {}).get("ready") is not False]
        if not ports:
            found.extend(e["addresses"][0] for e in endpoints if e.get("addresses"))
        for p in ports:
            if (p.get("name") or "") == port_name:
                found.extend(f"{e['addresses'][0]}:{p.get('port')}" for e in endpoints
                             if e.get("addresses"))
    if len(found) > 3:
        return f"{','.join(found[:3])} + {len(found) - 3} more..."
    return ",".join(found)


def describe_namespace(inv: Invocation, ns: dict[str, Any], events: list | None) -> str:
    w = PrefixWriter()
    meta = ns["metadata"]
    w.write(0, f"Name:\t{meta['name']}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Status:\t{(ns.get('status') or {}).get('phase', '')}\n")
    quotas = _items(inv, f"/api/v1/namespaces/{meta['name']}/resourcequotas")
    w.write(0, "\nNo resource quota.\n" if not quotas else "\nResource Quotas\n")
    for q in quotas:
        w.write(1, f"Name:\t{q['metadata']['name']}\n")
        w.write(1, "Resource\tUsed\tHard\n")
        w.write(1, "--------\t---\t---\n")
        hard = (q.get("status") or {}).get("hard") or {}
        used = (q.get("status") or {}).get("used") or {}
        for key in sorted(hard):
            w.write(1, f"{key}\t{used.get(key, '0')}\t{hard[key]}\n")
    limits = _items(inv, f"/api/v1/namespaces/{meta['name']}/limitranges")
    w.write(0, "\nNo LimitRange resource.\n" if not limits else "\nResource Limits\n")
    for lr in limits:
        w.write(1, "Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\t"
                   "Max Limit/Request Ratio\n")
        w.write(1, "----\t--------\t---\t---\t---------------\t-------------\t"
                   "-----------------------\n")
        for item in (lr.get("spec") or {}).get("limits") or []:
            for res in sorted(set((item.get("max") or {}) | (item.get("min") or {}) |
                                  (item.get("default") or {}))):
                w.write(1, f"{item.get('type')}\t{res}\t{(item.get('min') or {}).get(res, '-')}\t"
                           f"{(item.get('max') or {}).get(res, '-')}\t"
                           f"{(item.get('defaultRequest') or {}).get(res, '-')}\t"
                           f"{(item.get('default') or {}).get(res, '-')}\t-\n")
    return w.render()


def _items(inv: Invocation, path: str) -> list[dict[str, Any]]:
    try:
        return inv.client.get(path).get("items") or []
    except ApiError:
        return []


def describe_configmap(inv: Invocation, cm: dict[str, Any], events: list | None) -> str:
    w = PrefixWriter()
    meta = cm["metadata"]
    w.write(0, f"Name:\t{meta['name']}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, "\nData\n====\n")
    for key, value in sorted((cm.get("data") or {}).items()):
        w.write(0, f"{key}:\n----\n")
        w.write(0, f"{value}\n\n")
    w.write(0, "\nBinaryData\n====\n")
    for key, value in sorted((cm.get("binaryData") or {}).items()):
        w.write(0, f"{key}: {len(base64.b64decode(value))} bytes\n")
    w.write(0, "\n")
    describe_events(w, events)
    return w.render()


def describe_secret(inv: Invocation, secret: dict[str, Any], events: list | None) -> str:
    w = PrefixWriter()
    meta = secret["metadata"]
    w.write(0, f"Name:\t{meta['name']}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"\nType:\t{secret.get('type', '')}\n")
    w.write(0, "\nData\n====\n")
    for key, value in sorted((secret.get("data") or {}).items()):
        w.write(0, f"{key}:\t{len(base64.b64decode(value))} bytes\n")
    return w.render()


def describe_service_account(inv: Invocation, sa: dict[str, Any], events: list | None) -> str:
    w = PrefixWriter()
    meta = sa["metadata"]
    w.write(0, f"Name:\t{meta['name']}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    for title, values in (("Image pull secrets", sa.get("imagePullSecrets")),
                          ("Mountable secrets", sa.get("secrets")), ("Tokens", None)):
        names = [v.get("name", "") for v in values or []]
        w.write(0, f"{title}:\t{names[0] if names else '<none>'}\n")
        for name in names[1:]:
            w.write(0, f"\t{name}\n")
    describe_events(w, events)
    return w.render()
