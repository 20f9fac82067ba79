"""Facts about the machine the node runs on: CPUs, memory, OS, kernel, pressure signals.

Read from /proc and /etc (the machine's own when the kubelet runs in a container, except
/etc/os-release, which is the container's); every reader tolerates a missing file.
"""
from __future__ import annotations

import os
import platform
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "ppc64le": "ppc64le",
         "s390x": "s390x"}
MEMORY_PRESSURE_BYTES = 100 * 2**20     # upstream's default eviction: memory.available<100Mi
DISK_PRESSURE_FRACTION = 0.10           # nodefs.available<10%
PID_PRESSURE_FRACTION = 0.05


def _read(path: str, default: str = "") -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return default


def meminfo() -> dict[str, int]:
    """/proc/meminfo in bytes."""
    out = {}
    for line in _read("/proc/meminfo").splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            out[key] = int(parts[0]) * (1024 if len(parts) > 1 else 1)
    return out


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def os_image() -> str:
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"')
    return platform.system()


def host_ip() -> str:
    """The address this host uses to reach others (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


@dataclass
class MachineInfo:
    cpus: int
    memory_bytes: int
    kernel_version: str
    os_image: str
    architecture: str
    machine_id: str
    boot_id: str
    system_uuid: str

    @classmethod
    def read(cls) -> "MachineInfo":
        machine_id = _read("/etc/machine-id")
        return cls(cpus=cpu_count(), memory_bytes=meminfo().get("MemTotal", 0),
                   kernel_version=platform.release(), os_image=os_image(),
                   architecture=_ARCH.get(platform.machine(), platform.machine()),
                   machine_id=machine_id, boot_id=_read("/proc/sys/kernel/random/boot_id"),
                   system_uuid=_read("/sys/class/dmi/id/product_uuid", machine_id))


@dataclass
class Pressure:
    memory: bool
    disk: bool
    pid: bool


def pressure(root_dir: str) -> Pressure:
    mem = meminfo()
    available = mem.get("MemAvailable", MEMORY_PRESSURE_BYTES + 1)
    try:
        usage = shutil.disk_usage(root_dir if os.path.exists(root_dir) else "/")
        disk = usage.free / usage.total < DISK_PRESSURE_FRACTION if usage.total else False
    except OSError:
        disk = False
    pid_max = int(_read("/proc/sys/kernel/pid_max", "0") or 0)
    pids = sum(1 for p in os.listdir("/proc") if p.isdigit()) if pid_max else 0
    pid = bool(pid_max) and (pid_max - pids) / pid_max < PID_PRESSURE_FRACTION
    return Pressure(memory=available < MEMORY_PRESSURE_BYTES, disk=disk, pid=pid)
