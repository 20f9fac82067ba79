"""The only module that runs iptables (and the route and sysctls kube-proxy needs).

Everything goes through asyncio subprocesses, so the event loop never blocks. A command prefix
(`["ip", "netns", "exec", "<ns>"]`) runs every command in another network namespace: tests use
it to program a namespace of their own instead of the machine's tables.

Ownership: the proxy writes its own chains (`<prefix>-*`) with `iptables-restore --noflush`,
which leaves every other chain alone, and adds its jump rules ("hooks") to the built-in chains
by inserting only those that are missing. `cleanup()` removes exactly those hooks and chains.
"""
from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from typing import Sequence

from kube_proxy.chains import ChainNames
from machinery.runtime import kv

log = logging.getLogger("kube_proxy.iptables")

_ERROR_LINE = re.compile(r"line:?\s*(\d+)")


class CommandError(Exception):
    def __init__(self, argv: Sequence[str], code: int, stderr: str, context: str = ""):
        self.argv, self.code, self.stderr, self.context = list(argv), code, stderr.strip(), context
        super().__init__(f"{' '.join(argv)} exited {code}: {self.stderr}"
                         + (f" near: {context}" if context else ""))


@dataclass(frozen=True)
class Hook:
    table: str
    chain: str            # a built-in chain
    target: str           # one of ours
    comment: str
    extra: str = ""       # match arguments before the comment, e.g. `-m conntrack --ctstate NEW`

    def spec(self) -> str:
        """The rule as iptables-save prints it, so it can be found in the saved table."""
        extra = f"{self.extra} " if self.extra else ""
        return f'{extra}-m comment --comment "{self.comment}" -j {self.target}'


def hooks(n: ChainNames) -> list[Hook]:
    """upstream's iptablesJumpChains (plus the localnet firewall kubelet would install)."""
    new = "-m conntrack --ctstate NEW"
    return [
        Hook("filter", "INPUT", n.external_services,
             "kubernetes externally-visible service portals", new),
        Hook("filter", "FORWARD", n.external_services,
             "kubernetes externally-visible service portals", new),
        Hook("filter", "INPUT", n.nodeports, "kubernetes health check service ports"),
        Hook("filter", "FORWARD", n.services, "kubernetes service portals", new),
        Hook("filter", "OUTPUT", n.services, "kubernetes service portals", new),
        Hook("filter", "FORWARD", n.forward, "kubernetes forwarding rules"),
        Hook("filter", "INPUT", n.proxy_firewall, "kubernetes load balancer firewall", new),
        Hook("filter", "OUTPUT", n.proxy_firewall, "kubernetes load balancer firewall", new),
        Hook("filter", "FORWARD", n.proxy_firewall, "kubernetes load balancer firewall", new),
        Hook("filter", "INPUT", n.localnet_firewall, "kubernetes localnet firewall"),
        Hook("filter", "OUTPUT", n.localnet_firewall, "kubernetes localnet firewall"),
        Hook("nat", "OUTPUT", n.services, "kubernetes service portals"),
        Hook("nat", "PREROUTING", n.services, "kubernetes service portals"),
        Hook("nat", "POSTROUTING", n.postrouting, "kubernetes postrouting rules"),
    ]


@dataclass
class SavedTable:
    """One table as iptables-save printed it: chain names and `-A ...` rule lines."""
    chains: set[str] = field(default_factory=set)
    rules: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> "SavedTable":
        table = cls()
        for line in text.splitlines():
            if line.startswith(":"):
                table.chains.add(line[1:].split(" ", 1)[0])
            elif line.startswith("-A "):
                table.rules.append(line)
        return table

    def rules_jumping_to(self, targets: set[str], skip_chains: set[str]) -> list[str]:
        found = []
        for rule in self.rules:
            chain = rule.split(" ", 2)[1]
            jump = rule.rsplit(" -j ", 1)
            if chain not in skip_chains and len(jump) == 2 and jump[1].split(" ")[0] in targets:
                found.append(rule)
        return found


class Iptables:
    def __init__(self, names: ChainNames, command_prefix: Sequence[str] = (),
                 wait_s: int = 5, proc_sys_dir: str = "/proc/sys"):
        self.names = names
        self.prefix = list(command_prefix)
        self.wait_s = wait_s
        self.proc_sys_dir = proc_sys_dir.rstrip("/")

    async def _run(self, *argv: str, stdin: str | None = None) -> str:
        full = [*self.prefix, *argv]
        proc = await asyncio.create_subprocess_exec(
            *full, stdin=asyncio.subprocess.PIPE if stdin is not None else None,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await proc.communicate(stdin.encode() if stdin is not None else None)
        if proc.returncode != 0:
            stderr = err.decode(errors="replace")
            raise CommandError(full, proc.returncode, stderr, _context(stdin, stderr))
        return out.decode(errors="replace")

    # --- tables ---------------------------------------------------------------------------

    async def save(self, table: str) -> SavedTable:
        return SavedTable.parse(await self._run("iptables-save", "-t", table))

    async def save_all(self) -> dict[str, SavedTable]:
        """Every table from one iptables-save: iptables-nft reads the whole ruleset for any
        save, so one call for nat and filter costs half of two."""
        tables: dict[str, list[str]] = {}
        current: list[str] = []
        for line in (await self._run("iptables-save")).splitlines():
            if line.startswith("*"):
                current = tables.setdefault(line[1:].strip(), [])
            current.append(line)
        return {name: SavedTable.parse("\n".join(lines)) for name, lines in tables.items()}

    async def restore(self, text: str) -> None:
        """Apply with --noflush: only chains declared in `text` are flushed and rewritten."""
        await self._run("iptables-restore", "--noflush", "-w", str(self.wait_s), stdin=text)

    def missing_hooks(self, nat: SavedTable, flt: SavedTable) -> tuple[list[str], list[str]]:
        """`-I <chain> 1 ...` restore lines for the hooks absent from the saved tables."""
        present = {"nat": set(nat.rules), "filter": set(flt.rules)}
        missing: dict[str, list[str]] = {"nat": [], "filter": []}
        for hook in hooks(self.names):
            if f"-A {hook.chain} {hook.spec()}" not in present[hook.table]:
                missing[hook.table].append(f"-I {hook.chain} 1 {hook.spec()}")
        return missing["nat"], missing["filter"]

    async def cleanup(self) -> int:
        """Remove every hook and chain of ours, in both tables; the number of chains removed."""
        removed = 0
        for table in ("filter", "nat"):
            saved = await self.save(table)
            ours = {c for c in saved.chains if self.names.is_ours(c, table)}
            if not ours:
                continue
            unhook = [f"-D {r[3:]}" for r in saved.rules_jumping_to(ours, skip_chains=ours)]
            lines = [f"*{table}", *(f":{c} - [0:0]" for c in sorted(ours)), *unhook,
                     *(f"-X {c}" for c in sorted(ours)), "COMMIT"]
            await self.restore("\n".join(lines) + "\n")
            removed += len(ours)
            log.info("removed chains", extra=kv(table=table, chains=len(ours), hooks=len(unhook)))
        return removed

    # --- route and sysctls ----------------------------------------------------------------

    async def ensure_route(self, cidr: str, device: str) -> None:
        """Route `cidr` onto `device`, so unmatched traffic to it never leaves the machine."""
        await self._run("ip", "route", "replace", cidr, "dev", device)

    async def delete_route(self, cidr: str, device: str) -> None:
        try:
            await self._run("ip", "route", "del", cidr, "dev", device)
        except CommandError:
            pass          # already gone (or the device is): nothing to undo

    async def enable_hairpin(self, bridge: str) -> list[str]:
        """Turn on hairpin mode on every port of `bridge` that lacks it (the kubelet's
        "hairpin-veth" mode): a pod reaching itself through a Service is DNATed back to the
        port its packet came from, which a bridge only allows in hairpin mode. The ports
        changed; a missing bridge raises CommandError."""
        out = await self._run("ip", "-d", "-o", "link", "show", "master", bridge)
        changed = []
        for line in out.splitlines():
            parts = line.split()
            if len(parts) > 1 and "hairpin off" in line:
                port = parts[1].rstrip(":").split("@", 1)[0]
                await self._run("ip", "link", "set", "dev", port, "type", "bridge_slave",
                                "hairpin", "on")
                changed.append(port)
        return changed

    async def delete_udp_flows(self, filters: list[list[str]]) -> int:
        """`conntrack -D -p udp <filter>` for each filter; the number that deleted anything.
        Raises FileNotFoundError when there is no conntrack tool."""
        deleted = 0
        for flt in filters:
            try:
                await self._run("conntrack", "-D", "-p", "udp", *flt)
                deleted += 1
            except CommandError:
                pass          # exit 1: no entry matched, which is the common case
        return deleted

    async def set_sysctl(self, name: str, value: str) -> None:
        path = f"{self.proc_sys_dir}/" + name.replace(".", "/")
        # through the prefix, so the namespace's own value is written
        await self._run("sh", "-c", f"echo {value} > {path}")

    async def get_sysctl(self, name: str) -> str:
        return (await self._run("cat", f"{self.proc_sys_dir}/" + name.replace(".", "/"))).strip()


def _context(stdin: str | None, stderr: str) -> str:
    """The input line iptables-restore complained about (`Error occurred at line: N`)."""
    match = _ERROR_LINE.search(stderr)
    if stdin is None or match is None:
        return ""
    lines = stdin.splitlines()
    index = int(match.group(1)) - 1
    return lines[index] if 0 <= index < len(lines) else ""
