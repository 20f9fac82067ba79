"""`kubectl create -f` and the generators (`create deployment|namespace|configmap|secret generic|
service clusterip|nodeport|loadbalancer|externalname|job|cronjob|serviceaccount`)."""
from __future__ import annotations

import argparse
from typing import Any

from machinery.api.errors import ApiError

from kubectl import generators as gen
from kubectl.apply import with_last_applied
from kubectl.builder import Target, targets_from_files
from kubectl.cli import Invocation, add_bool
from kubectl.commands.common import add_filename_flags, add_output_flag, print_errors
from kubectl.commands.mutate import Reporter, add_dry_run, dry_run_mode, dry_run_params
from kubectl.errors import CLIError, with_source

SERVICE_TYPES = {"clusterip": "ClusterIP", "nodeport": "NodePort",
                 "loadbalancer": "LoadBalancer", "externalname": "ExternalName"}
ALIASES = {"deploy": "deployment", "ns": "namespace", "cm": "configmap", "sa": "serviceaccount",
           "svc": "service", "cj": "cronjob"}
# what kubectl calls the object in "failed to create ..." (the secret one has no colon)
FAILURE_PREFIX = {"deployment": "failed to create deployment: ",
                  "configmap": "failed to create configmap: ",
                  "secret": "failed to create secret ",
                  "serviceaccount": "failed to create serviceaccount: ",
                  "job": "failed to create job: ", "cronjob": "failed to create cronjob: "}


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("words", nargs="*")
    add_filename_flags(parser)
    add_output_flag(parser)
    add_dry_run(parser)
    add_bool(parser, "--save-config")
    add_bool(parser, "--edit")
    parser.add_argument("--validate", nargs="?", const="strict", default="strict")
    parser.add_argument("--field-manager", default="kubectl-create")
    parser.add_argument("--image", action="append", default=[])
    parser.add_argument("-r", "--replicas", type=int, default=1)
    parser.add_argument("--port", type=int, default=-1)
    parser.add_argument("--from-literal", action="append", default=[])
    parser.add_argument("--from-file", action="append", default=[])
    parser.add_argument("--from-env-file", action="append", default=[])
    parser.add_argument("--type", default=None)
    parser.add_argument("--tcp", action="append", default=[])
    parser.add_argument("--clusterip", default=None)
    parser.add_argument("--node-port", type=int, default=0)
    parser.add_argument("--external-name", default=None)
    parser.add_argument("--schedule", default=None)
    parser.add_argument("--restart", default=None)
    parser.add_argument("--from", dest="from_", default=None)


def run(inv: Invocation, args: argparse.Namespace) -> int:
    if args.filename:
        if args.words:
            raise CLIError(f"error: Unexpected args: [{' '.join(args.words)}]\n"
                           "See 'kubectl create -h' for help and examples")
        return _create_from_files(inv, args)
    if not args.words:
        raise CLIError("error: must specify one of -f and -k")
    return _generate(inv, args)


def _create_from_files(inv: Invocation, args: argparse.Namespace) -> int:
    mode = dry_run_mode(args)
    reporter = Reporter(inv, args, mode)
    errors: list[BaseException] = []
    for target in targets_from_files(inv, args.filename, args.recursive):
        assert target.obj is not None
        obj = with_last_applied(target.obj) if args.save_config else target.obj
        if target.mapping.namespaced:
            obj.setdefault("metadata", {})["namespace"] = target.namespace
        try:
            created = obj if mode == "client" else _post(inv, args, target, obj, mode)
            reporter.report(target, "created", created)
        except ApiError as e:
            errors.append(with_source(e, "creating", target.source))
    print_errors(inv, errors)
    return 1 if errors else 0


def _post(inv: Invocation, args: argparse.Namespace, target: Target, obj: dict[str, Any],
          mode: str) -> dict[str, Any]:
    params = {"fieldManager": args.field_manager, "fieldValidation": "Strict",
              **dry_run_params(mode)}
    return inv.client.request("POST", target.mapping.path(target.namespace), params=params,
                              body=obj)


def _generate(inv: Invocation, args: argparse.Namespace) -> int:
    words = list(args.words)
    what = ALIASES.get(words[0], words[0])
    if what in ("secret", "service") and len(words) > 1:
        sub = words[1]
        words = words[1:]
        if what == "secret" and sub != "generic":
            raise CLIError(f"error: tkctl supports only `create secret generic`, not {sub!r}")
        if what == "service" and sub not in SERVICE_TYPES:
            raise CLIError(f"error: unknown service type {sub!r}")
        args.service_type = SERVICE_TYPES.get(sub, "")
    if len(words) != 2:
        if what in _BUILDERS:
            raise CLIError(f"error: exactly one NAME is required, got {len(words) - 1}\n"
                           f"See 'kubectl create {what} -h' for help and examples")
        raise CLIError(f"error: Unexpected args: [{' '.join(args.words)}]\n"
                       "See 'kubectl create -h' for help and examples")
    if what not in _BUILDERS:
        raise CLIError(f"error: Unexpected args: [{' '.join(args.words)}]\n"
                       "See 'kubectl create -h' for help and examples")
    obj = _BUILDERS[what](words[1], args)
    return _submit(inv, args, what, obj)


def _submit(inv: Invocation, args: argparse.Namespace, what: str, obj: dict[str, Any]) -> int:
    mode = dry_run_mode(args)
    mapping = inv.discovery.for_kind(obj["apiVersion"], obj["kind"])
    if mapping is None:
        raise CLIError(f"error: the server doesn't have a resource type {obj['kind']!r}")
    if mapping.namespaced and inv.explicit_namespace:   # kubectl's EnforceNamespace
        obj = gen.set_namespace(obj, inv.namespace)
    target = Target(mapping, inv.namespace if mapping.namespaced else None,
                    obj["metadata"]["name"], obj)
    if args.save_config:
        obj = with_last_applied(obj)
    try:
        created = obj if mode == "client" else _post(inv, args, target, obj, mode)
    except ApiError as e:
        prefix = FAILURE_PREFIX.get(what)
        if what == "service":
            prefix = f"failed to create {args.service_type} service: "
        if prefix is None:
            raise
        raise CLIError(f"error: {prefix}{e.message}") from e
    Reporter(inv, args, mode).report(target, "created", created, typed=mode == "client")
    return 0


def _need_image(args: argparse.Namespace) -> None:
    if not args.image:
        raise CLIError('error: required flag(s) "image" not set')


def _deployment(name: str, args: argparse.Namespace) -> dict[str, Any]:
    _need_image(args)
    return gen.deployment(name, args.image, args.replicas, args.port, args.command_args)


def _job(name: str, args: argparse.Namespace) -> dict[str, Any]:
    if args.from_:
        raise CLIError("error: tkctl does not support `create job --from` yet")
    _need_image(args)
    return gen.job(name, args.image[0], args.command_args)


def _cronjob(name: str, args: argparse.Namespace) -> dict[str, Any]:
    _need_image(args)
    if not args.schedule:
        raise CLIError('error: required flag(s) "schedule" not set')
    return gen.cronjob(name, args.image[0], args.schedule, args.command_args, args.restart)


def _service(name: str, args: argparse.Namespace) -> dict[str, Any]:
    svc_type = getattr(args, "service_type", "")
    if not svc_type:
        raise CLIError("error: a service type is required: clusterip, nodeport, loadbalancer "
                       "or externalname")
    return gen.service(name, svc_type, args.tcp, args.clusterip, args.node_port or None,
                       args.external_name)


_BUILDERS = {
    "deployment": _deployment,
    "namespace": lambda name, args: gen.namespace(name),
    "serviceaccount": lambda name, args: gen.service_account(name),
    "configmap": lambda name, args: gen.configmap(name, args.from_literal, args.from_file,
                                                  args.from_env_file),
    "secret": lambda name, args: gen.secret_generic(name, args.from_literal, args.from_file,
                                                    args.from_env_file, args.type),
    "service": _service,
    "job": _job,
    "cronjob": _cronjob,
}
