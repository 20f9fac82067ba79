"""Prometheus metrics under ingress-nginx's names, in the text exposition format."""
from __future__ import annotations

from collections import Counter


class IngressMetrics:
    def __init__(self) -> None:
        self.requests: Counter[tuple[str, str, str, str]] = Counter()
        self.config_reloads = 0

    def count(self, host: str, ingress: str, service: str, status: int) -> None:
        self.requests[(host.split(":")[0], ingress, service, str(status))] += 1

    def text(self) -> str:
        name = "nginx_ingress_controller_requests"
        lines = [f"# HELP {name} The total number of client requests",
                 f"# TYPE {name} counter"]
        for (host, ingress, service, status), value in sorted(self.requests.items()):
            ns, _, ing = ingress.partition("/")
            lines.append(f'{name}{{host="{host}",namespace="{ns}",ingress="{ing}",'
                         f'service="{service}",status="{status}"}} {value}')
        reloads = "nginx_ingress_controller_success"
        lines += [f"# HELP {reloads} Cumulative number of successful configuration reloads",
                  f"# TYPE {reloads} counter", f"{reloads} {self.config_reloads}"]
        return "\n".join(lines) + "\n"
