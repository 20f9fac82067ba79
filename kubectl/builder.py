"""From command-line arguments and files to the objects a command acts on (kubectl's builder).

Arguments: `pods`, `pods,svc`, `all`, `pod web db`, `pod/web svc/db`. Files (`-f`): YAML or JSON,
several documents per file, `kind: List` flattened, directories (`-R` for subdirectories) and `-`
for stdin.
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from kubectl.cli import Invocation
from kubectl.errors import CLIError
from kubectl.resources import Mapping

MANIFEST_SUFFIXES = (".json", ".yaml", ".yml")


class GoYamlLoader(yaml.SafeLoader):
    """YAML 1.1 as Go's yaml.v2 reads it: `y`/`n` are booleans too."""


GoYamlLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:y|Y|n|N)$"),
                                   list("yYnN"))


def _go_bool(loader: yaml.SafeLoader, node: yaml.Node) -> bool:
    value = loader.construct_scalar(node)
    return value.lower() in ("y", "yes", "true", "on")


GoYamlLoader.add_constructor("tag:yaml.org,2002:bool", _go_bool)


def _string_keys(value: Any) -> Any:
    """sigs.k8s.io/yaml turns non-string map keys into strings (`true`, `1`) for JSON."""
    if isinstance(value, dict):
        return {_key(k): _string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)


@dataclass
class Target:
    """One resource to act on: a name, or a whole collection when `name` is None."""
    mapping: Mapping
    namespace: str | None
    name: str | None = None
    obj: dict[str, Any] | None = None      # the manifest, for -f
    source: str | None = None              # the file it came from

    @property
    def path(self) -> str:
        return self.mapping.path(self.namespace if self.mapping.namespaced else None, self.name)


def split_type_name_args(args: list[str], command: str) -> list[tuple[str, str | None]]:
    """[(type, name or None)] in kubectl's visiting order (type-major)."""
    if not args:
        return []
    if any("/" in a for a in args):
        pairs = []
        for arg in args:
            if "/" not in arg:
                raise CLIError("error: there is no need to specify a resource type as a separate "
                               "argument when passing arguments in resource/name form (e.g. "
                               f"'kubectl {command} resource/<resource_name>' instead of "
                               f"'kubectl {command} resource resource/<resource_name>'")
            kind, name = arg.split("/", 1)
            if not kind or not name:
                raise CLIError("error: arguments in resource/name form must have a single "
                               "resource and name")
            pairs.append((kind, name))
        return pairs
    types = [t for t in args[0].split(",") if t]
    names = args[1:]
    if not names:
        return [(t, None) for t in types]
    return [(t, n) for t in types for n in names]


def expand_type(inv: Invocation, type_arg: str) -> list[Mapping]:
    """`all` and other categories expand to their resources; anything else resolves to one."""
    if type_arg.lower() == "all" or (inv.discovery.find(type_arg) is None
                                      and inv.discovery.category(type_arg.lower())):
        mappings = inv.discovery.category(type_arg.lower())
        if mappings:
            return mappings
    return [inv.discovery.resolve(type_arg)]


def targets_from_args(inv: Invocation, args: list[str], command: str,
                      all_namespaces: bool = False) -> list[Target]:
    out = []
    for type_arg, name in split_type_name_args(args, command):
        for mapping in expand_type(inv, type_arg):
            ns = None if all_namespaces and name is None else inv.namespace
            out.append(Target(mapping, ns if mapping.namespaced else None, name))
    return out


# --- manifests -------------------------------------------------------------------------------

def read_manifests(filenames: list[str], recursive: bool = False) -> list[tuple[str, dict]]:
    """(source, object) for every document of every file, Lists flattened."""
    out: list[tuple[str, dict]] = []
    for name in filenames:
        for source, text in _read_sources(name, recursive):
            for doc in _documents(text, source):
                out.extend((source, item) for item in _flatten(doc))
    return out


def _read_sources(name: str, recursive: bool) -> Iterator[tuple[str, str]]:
    if name == "-":
        yield "STDIN", sys.stdin.read()
        return
    if name.startswith(("http://", "https://")):
        import httpx
        yield name, httpx.get(name, follow_redirects=True).text
        return
    path = Path(name)
    if not path.exists():
        raise CLIError(f'error: the path "{name}" does not exist')
    if path.is_dir():
        pattern = "**/*" if recursive else "*"
        for child in sorted(path.glob(pattern)):
            if child.is_file() and child.suffix in MANIFEST_SUFFIXES:
                yield str(child), child.read_text()
        return
    yield name, path.read_text()


def _documents(text: str, source: str) -> list[dict[str, Any]]:
    stripped = text.lstrip()
    try:
        if stripped.startswith("{") or stripped.startswith("["):
            try:
                doc = json.loads(text)
                return [doc] if isinstance(doc, dict) else list(doc)
            except ValueError:
                pass
        return [_string_keys(d) for d in yaml.load_all(text, Loader=GoYamlLoader) if d]
    except yaml.YAMLError as e:
        raise CLIError(f'error: error parsing {source}: {e}') from e


def _flatten(doc: Any) -> list[dict[str, Any]]:
    if not isinstance(doc, dict):
        return []
    if str(doc.get("kind", "")).endswith("List") and isinstance(doc.get("items"), list):
        return [i for item in doc["items"] for i in _flatten(item)]
    return [doc]


def targets_from_files(inv: Invocation, filenames: list[str], recursive: bool = False,
                       enforce_namespace: bool = True) -> list[Target]:
    out = []
    for source, obj in read_manifests(filenames, recursive):
        out.append(target_for_object(inv, obj, source, enforce_namespace))
    return out


def target_for_object(inv: Invocation, obj: dict[str, Any], source: str,
                      enforce_namespace: bool = True) -> Target:
    api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
    meta = obj.get("metadata") or {}
    if not kind:
        raise CLIError(f"error: error validating \"{source}\": error validating data: "
                       "kind not set; if you choose to ignore these errors, turn validation off "
                       "with --validate=false")
    if not api_version:
        raise CLIError(f"error: error validating \"{source}\": error validating data: "
                       "apiVersion not set; if you choose to ignore these errors, turn "
                       "validation off with --validate=false")
    mapping = inv.discovery.for_kind(api_version, kind)
    if mapping is None:
        raise CLIError(f'error: resource mapping not found for name: "{meta.get("name", "")}" '
                       f'namespace: "{meta.get("namespace", "")}" from "{source}": no matches '
                       f'for kind "{kind}" in version "{api_version}"\n'
                       "ensure CRDs are installed first")
    namespace = None
    if mapping.namespaced:
        namespace = meta.get("namespace") or inv.namespace
        if enforce_namespace and inv.explicit_namespace and meta.get("namespace") and \
                meta["namespace"] != inv.namespace:
            raise CLIError(f"error: the namespace from the provided object \"{meta['namespace']}\" "
                           f"does not match the namespace \"{inv.namespace}\". You must pass "
                           "'--namespace=" + meta["namespace"] + "' to perform this operation.")
    return Target(mapping, namespace, meta.get("name") or None, obj, source)
