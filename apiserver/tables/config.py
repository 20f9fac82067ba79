"""Rows of ConfigMap, Secret, ServiceAccount, ResourceQuota and the RBAC bindings."""
from __future__ import annotations

from datetime import datetime

from apiserver.tables.columns import Column, Printer, age_col, col, name_col
from apiserver.tables.duration import since
from apiserver.tables.fields import dicts, get, items, mapping, quantity, text


def _age(obj: dict, now: datetime) -> str:
    return since(get(obj, "metadata", "creationTimestamp"), now)


CONFIG_MAP = Printer(
    (name_col(), col("Data", "Data contains the configuration data."), age_col()),
    lambda obj, now: [text(obj, "metadata", "name"),
                      len(mapping(obj, "data")) + len(mapping(obj, "binaryData")),
                      _age(obj, now)])

SECRET = Printer(
    (name_col(), col("Type", "Used to facilitate programmatic handling of secret data."),
     col("Data", "Data contains the secret data."), age_col()),
    lambda obj, now: [text(obj, "metadata", "name"), text(obj, "type"), len(mapping(obj, "data")),
                      _age(obj, now)])

SERVICE_ACCOUNT = Printer(
    (name_col(), col("Secrets", "Secrets is a list of the secrets in the same namespace that "
                                "pods running using this ServiceAccount are allowed to use."),
     age_col()),
    lambda obj, now: [text(obj, "metadata", "name"), len(items(obj, "secrets")), _age(obj, now)])


# --- ResourceQuota --------------------------------------------------------------------------

def _quota_columns(obj: dict) -> tuple[str, str]:
    """`pods: 2/10, requests.cpu: 500m/2` and the `limits.*` resources in a column of their own."""
    hard, used = mapping(obj, "status", "hard"), mapping(obj, "status", "used")
    requests, limits = [], []
    for resource in sorted(str(key) for key in hard):
        entry = f"{resource}: {quantity(used.get(resource))}/{quantity(hard.get(resource))}"
        pieces = resource.split(".")
        (limits if len(pieces) > 1 and pieces[0] == "limits" else requests).append(entry)
    return ", ".join(requests), ", ".join(limits)


def _quota_cells(obj: dict, now: datetime) -> list:
    request, limit = _quota_columns(obj)
    return [text(obj, "metadata", "name"), request, limit, _age(obj, now)]


RESOURCE_QUOTA = Printer(
    (name_col(),
     col("Request", "Request represents a minimum amount of cpu/memory that a container may "
                    "consume."),
     col("Limit", "Limits control the maximum amount of cpu/memory that a container may use "
                  "independent of contention on the node."),
     age_col()),
    _quota_cells)


# --- RoleBinding and ClusterRoleBinding -----------------------------------------------------

def _subjects(obj: dict) -> tuple[str, str, str]:
    users, groups, service_accounts = [], [], []
    for subject in dicts(obj, "subjects"):
        kind, name = text(subject, "kind"), text(subject, "name")
        if kind == "ServiceAccount":
            service_accounts.append(f"{text(subject, 'namespace')}/{name}")
        elif kind == "User":
            users.append(name)
        elif kind == "Group":
            groups.append(name)
    return ", ".join(users), ", ".join(groups), ", ".join(service_accounts)


def _binding_cells(obj: dict, now: datetime) -> list:
    role = f"{text(obj, 'roleRef', 'kind')}/{text(obj, 'roleRef', 'name')}"
    return [text(obj, "metadata", "name"), role, _age(obj, now), *_subjects(obj)]


def _binding_printer(kind: str) -> Printer:
    return Printer(
        (name_col(), col("Role", "RoleRef can reference a Role in the current namespace or a "
                                 "ClusterRole in the global namespace."),
         age_col(),
         Column("Users", "string", f"Users in the {kind}", 1),
         Column("Groups", "string", f"Groups in the {kind}", 1),
         Column("ServiceAccounts", "string", f"ServiceAccounts in the {kind}", 1)),
        _binding_cells)


ROLE_BINDING = _binding_printer("roleBinding")
CLUSTER_ROLE_BINDING = _binding_printer("clusterRoleBinding")
