"""The Pod Security Standards checks, with upstream's reasons and details.

`evaluate(level, meta, spec)` returns the failed checks as (reason, detail) in upstream's order:
the baseline checks, then (for restricted) the restricted ones, which replace the baseline
capabilities, seccomp and hostPath checks with stricter versions.
"""
from __future__ import annotations

from typing import Any, Callable

Obj = dict[str, Any]
Result = tuple[str, str] | None

BASELINE_CAPABILITIES = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",
                         "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID",
                         "SYS_CHROOT"}
SAFE_SYSCTLS = {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
                "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
                "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
                "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
                "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"}
RESTRICTED_VOLUME_TYPES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                           "persistentVolumeClaim", "projected", "secret"}
SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t",
                 "container_engine_t"}
APPARMOR_PREFIX = "container.apparmor.security.beta.kubernetes.io/"


def _containers(spec: Obj) -> list[Obj]:
    return [c for k in ("initContainers", "containers", "ephemeralContainers")
            for c in (spec.get(k) or []) if isinstance(c, dict)]


def _sc(obj: Obj) -> Obj:
    sc = obj.get("securityContext")
    return sc if isinstance(sc, dict) else {}


def _names(kind: str, names: list[str]) -> str:
    """`container "a"` or `containers "a", "b"`, as upstream pluralizes."""
    quoted = ", ".join(f'"{n}"' for n in names)
    return f"{kind} {quoted}" if len(names) == 1 else f"{kind}s {quoted}"


def _quoted(values) -> str:
    return ", ".join(f'"{v}"' for v in values)


# --- baseline ------------------------------------------------------------------------------------

def app_armor(meta: Obj, spec: Obj) -> Result:
    bad = []
    for key, value in sorted(((meta.get("annotations") or {}).items())):
        if key.startswith(APPARMOR_PREFIX) and value != "runtime/default" and \
                not str(value).startswith("localhost/"):
            bad.append(f'annotation "{key}"="{value}"')
    for who, sc in [("pod", _sc(spec))] + [(f'container "{c.get("name")}"', _sc(c))
                                           for c in _containers(spec)]:
        t = (sc.get("appArmorProfile") or {}).get("type")
        if t not in (None, "RuntimeDefault", "Localhost"):
            bad.append(f'{who} must not set appArmorProfile.type to "{t}"')
    if not bad:
        return None
    return ("forbidden AppArmor profile" + ("s" if len(bad) > 1 else ""), ", ".join(bad))


def host_namespaces(meta: Obj, spec: Obj) -> Result:
    set_ = [f"{k}=true" for k in ("hostNetwork", "hostPID", "hostIPC") if spec.get(k) is True]
    return ("host namespaces", ", ".join(set_)) if set_ else None


def host_path_volumes(meta: Obj, spec: Obj) -> Result:
    names = [v.get("name", "") for v in spec.get("volumes") or []
             if isinstance(v, dict) and v.get("hostPath") is not None]
    return ("hostPath volumes", _names("volume", names)) if names else None


def host_ports(meta: Obj, spec: Obj) -> Result:
    names, ports = [], []
    for c in _containers(spec):
        used = [str(p["hostPort"]) for p in c.get("ports") or []
                if isinstance(p, dict) and p.get("hostPort")]
        if used:
            names.append(c.get("name", ""))
            ports += used
    if not names:
        return None
    verb = "uses hostPort" if len(names) == 1 else "use hostPort"
    return "hostPort", f"{_names('container', names)} {verb}{'s' if len(ports) > 1 else ''} " \
                       f"{', '.join(ports)}"


def privileged(meta: Obj, spec: Obj) -> Result:
    names = [c.get("name", "") for c in _containers(spec) if _sc(c).get("privileged") is True]
    if not names:
        return None
    return "privileged", f"{_names('container', names)} must not set " \
                         "securityContext.privileged=true"


def proc_mount(meta: Obj, spec: Obj) -> Result:
    bad = [(c.get("name", ""), _sc(c)["procMount"]) for c in _containers(spec)
           if _sc(c).get("procMount") not in (None, "Default")]
    if not bad:
        return None
    return "procMount", f"{_names('container', [n for n, _ in bad])} must not set " \
                        f"securityContext.procMount to {_quoted(dict.fromkeys(v for _, v in bad))}"


def selinux(meta: Obj, spec: Obj) -> Result:
    details = []
    for who, sc in [("pod", _sc(spec))] + [(f'container "{c.get("name")}"', _sc(c))
                                           for c in _containers(spec)]:
        opts = sc.get("seLinuxOptions") or {}
        bad = []
        if opts.get("type", "") not in SELINUX_TYPES:
            bad.append(f'type "{opts["type"]}"')
        for field in ("user", "role"):
            if opts.get(field):
                bad.append(f'{field} "{opts[field]}"')
        if bad:
            details.append(f"{who} set forbidden securityContext.seLinuxOptions: {'; '.join(bad)}")
    return ("seLinuxOptions", "; ".join(details)) if details else None


def sysctls(meta: Obj, spec: Obj) -> Result:
    bad = [s.get("name", "") for s in _sc(spec).get("sysctls") or []
           if isinstance(s, dict) and s.get("name") not in SAFE_SYSCTLS]
    return ("forbidden sysctls", ", ".join(bad)) if bad else None


def capabilities_baseline(meta: Obj, spec: Obj) -> Result:
    names, caps = [], []
    for c in _containers(spec):
        added = [a for a in ((_sc(c).get("capabilities") or {}).get("add") or [])
                 if a not in BASELINE_CAPABILITIES]
        if added:
            names.append(c.get("name", ""))
            caps += [a for a in added if a not in caps]
    if not names:
        return None
    return "non-default capabilities", f"{_names('container', names)} must not include " \
                                       f"{_quoted(caps)} in securityContext.capabilities.add"


def _seccomp_type(sc: Obj) -> str | None:
    return (sc.get("seccompProfile") or {}).get("type")


def seccomp_baseline(meta: Obj, spec: Obj) -> Result:
    bad = []
    if _seccomp_type(_sc(spec)) == "Unconfined":
        bad.append('pod must not set securityContext.seccompProfile.type to "Unconfined"')
    names = [c.get("name", "") for c in _containers(spec)
             if _seccomp_type(_sc(c)) == "Unconfined"]
    if names:
        bad.append(f"{_names('container', names)} must not set "
                   'securityContext.seccompProfile.type to "Unconfined"')
    return ("seccompProfile", "; ".join(bad)) if bad else None


# --- restricted ----------------------------------------------------------------------------------

def allow_privilege_escalation(meta: Obj, spec: Obj) -> Result:
    names = [c.get("name", "") for c in _containers(spec)
             if _sc(c).get("allowPrivilegeEscalation") is not False]
    if not names:
        return None
    return "allowPrivilegeEscalation != false", \
        f"{_names('container', names)} must set securityContext.allowPrivilegeEscalation=false"


def capabilities_restricted(meta: Obj, spec: Obj) -> Result:
    no_drop, bad_add, caps = [], [], []
    for c in _containers(spec):
        cap = _sc(c).get("capabilities") or {}
        if "ALL" not in (cap.get("drop") or []):
            no_drop.append(c.get("name", ""))
        added = [a for a in cap.get("add") or [] if a != "NET_BIND_SERVICE"]
        if added:
            bad_add.append(c.get("name", ""))
            caps += [a for a in added if a not in caps]
    details = []
    if no_drop:
        details.append(f'{_names("container", no_drop)} must set '
                       'securityContext.capabilities.drop=["ALL"]')
    if bad_add:
        details.append(f"{_names('container', bad_add)} must not include {_quoted(caps)} in "
                       "securityContext.capabilities.add")
    return ("unrestricted capabilities", "; ".join(details)) if details else None


def restricted_volumes(meta: Obj, spec: Obj) -> Result:
    names, types = [], []
    for v in spec.get("volumes") or []:
        if not isinstance(v, dict):
            continue
        bad = [k for k in v if k != "name" and k not in RESTRICTED_VOLUME_TYPES]
        if bad:
            names.append(v.get("name", ""))
            types += [t for t in bad if t not in types]
    if not names:
        return None
    verb = "uses restricted volume type" if len(names) == 1 else "use restricted volume type"
    return "restricted volume types", f"{_names('volume', names)} {verb}" \
                                      f"{'s' if len(types) > 1 else ''} {_quoted(types)}"


def run_as_non_root(meta: Obj, spec: Obj) -> Result:
    pod_value = _sc(spec).get("runAsNonRoot")
    details = []
    if pod_value is False:
        details.append("pod must not set securityContext.runAsNonRoot=false")
    explicit_false = [c.get("name", "") for c in _containers(spec)
                      if _sc(c).get("runAsNonRoot") is False]
    if explicit_false:
        details.append(f"{_names('container', explicit_false)} must not set "
                       "securityContext.runAsNonRoot=false")
    if pod_value is not True:
        unset = [c.get("name", "") for c in _containers(spec)
                 if _sc(c).get("runAsNonRoot") is None]
        if unset:
            details.append(f"pod or {_names('container', unset)} must set "
                           "securityContext.runAsNonRoot=true")
    return ("runAsNonRoot != true", "; ".join(details)) if details else None


def run_as_user(meta: Obj, spec: Obj) -> Result:
    details = []
    if _sc(spec).get("runAsUser") == 0:
        details.append("pod must not set runAsUser=0")
    names = [c.get("name", "") for c in _containers(spec) if _sc(c).get("runAsUser") == 0]
    if names:
        details.append(f"{_names('container', names)} must not set runAsUser=0")
    return ("runAsUser=0", "; ".join(details)) if details else None


def seccomp_restricted(meta: Obj, spec: Obj) -> Result:
    allowed = ("RuntimeDefault", "Localhost")
    pod_type = _seccomp_type(_sc(spec))
    details = []
    if pod_type is not None and pod_type not in allowed:
        details.append(f'pod must not set securityContext.seccompProfile.type to "{pod_type}"')
    bad = [(c.get("name", ""), _seccomp_type(_sc(c))) for c in _containers(spec)
           if _seccomp_type(_sc(c)) is not None and _seccomp_type(_sc(c)) not in allowed]
    if bad:
        details.append(f"{_names('container', [n for n, _ in bad])} must not set "
                       f"securityContext.seccompProfile.type to "
                       f"{_quoted(dict.fromkeys(t for _, t in bad))}")
    if pod_type is None:
        unset = [c.get("name", "") for c in _containers(spec) if _seccomp_type(_sc(c)) is None]
        if unset:
            details.append(f"pod or {_names('container', unset)} must set "
                           'securityContext.seccompProfile.type to "RuntimeDefault" or '
                           '"Localhost"')
    return ("seccompProfile", "; ".join(details)) if details else None


Check = Callable[[Obj, Obj], Result]
# upstream's registration order; the "overlapping" ones apply at baseline only
BASELINE: list[Check] = [app_armor, host_namespaces, host_ports, privileged, proc_mount, selinux,
                         sysctls]
BASELINE_ONLY: list[Check] = [capabilities_baseline, host_path_volumes, seccomp_baseline]
RESTRICTED: list[Check] = [allow_privilege_escalation, capabilities_restricted,
                           restricted_volumes, run_as_non_root, run_as_user, seccomp_restricted]


def evaluate(level: str, meta: Obj, spec: Obj) -> list[tuple[str, str]]:
    if level == "privileged":
        return []
    checks = BASELINE + (BASELINE_ONLY if level == "baseline" else RESTRICTED)
    return [r for r in (check(meta, spec) for check in checks) if r is not None]


def describe(failures: list[tuple[str, str]]) -> str:
    return ", ".join(f"{reason} ({detail})" if detail else reason for reason, detail in failures)
