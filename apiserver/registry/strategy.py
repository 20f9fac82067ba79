"""The per-kind strategy: what the api-server does to an object around create and update.

Mirrors upstream's `pkg/registry/<group>/<kind>/strategy.go`: PrepareForCreate/Update (server
owned fields), defaulting (`SetDefaults_*`), Validate/ValidateUpdate, and whether the kind keeps
`metadata.generation`. The handlers call, in order:

    create: prepare_create(obj)  (after uid/creationTimestamp are set)  -> default -> validate(obj)
    update: prepare_update(obj, old) -> default -> validate(obj, old)
    status: prepare_status_update(obj, old) -> validate_status(obj, old)
"""
from __future__ import annotations

import copy
import logging
from typing import Any

from machinery.api.resources import ResourceInfo

from .fielderr import internal
from .meta import validate_object_meta, validate_object_meta_update
from .typed import Errs, ensure

log = logging.getLogger(__name__)


class Strategy:
    name_validation = "subdomain"      # "subdomain" | "label" | "dns1035" | "path-segment"
    has_generation = False
    reset_status_on_create = False

    def __init__(self, info: ResourceInfo):
        self.info = info

    # ---- server-set fields ---------------------------------------------------------------------

    @property
    def has_status_subresource(self) -> bool:
        return self.info.subresource("status") is not None

    def initial_status(self, obj: dict) -> dict | None:
        """The status a new object starts with when reset_status_on_create (None: no status)."""
        return {}

    def prepare_create(self, obj: dict) -> None:
        meta = ensure(obj, "metadata")
        if meta is not None:
            if not self.info.namespaced:
                meta.pop("namespace", None)
            if self.has_generation:
                meta["generation"] = 1
        if self.reset_status_on_create:
            status = self.initial_status(obj)
            if status is None:
                obj.pop("status", None)
            else:
                obj["status"] = status

    def prepare_update(self, obj: dict, old: dict) -> None:
        """A write to the main resource cannot change status when /status exists."""
        if self.has_status_subresource:
            if "status" in old:
                obj["status"] = copy.deepcopy(old["status"])
            else:
                obj.pop("status", None)

    def prepare_status_update(self, obj: dict, old: dict) -> None:
        """A write to /status cannot change spec."""
        if "spec" in old:
            obj["spec"] = copy.deepcopy(old["spec"])
        else:
            obj.pop("spec", None)

    def spec_changed(self, obj: dict, old: dict) -> bool:
        """Whether an update bumps metadata.generation (when has_generation)."""
        return obj.get("spec") != old.get("spec")

    # ---- defaulting ----------------------------------------------------------------------------

    def default(self, obj: dict) -> None:
        if not isinstance(obj, dict):
            return
        try:
            self.default_object(obj)
        except Exception:  # a defaulting bug must not turn a request into a 500
            log.exception("defaulting failed kind=%s", self.info.kind)

    def default_object(self, obj: dict) -> None:
        """Kind-specific defaults; override."""

    # ---- validation ----------------------------------------------------------------------------

    def validate(self, obj: dict, old: dict | None = None) -> Errs:
        if not isinstance(obj, dict):
            return [internal("", "object must be a JSON object")]
        try:
            errs = validate_object_meta(obj, self.info.namespaced, self.name_validation,
                                        check_name=old is None)
            if isinstance(old, dict):
                errs.extend(validate_object_meta_update(obj, old))
            errs.extend(self.validate_object(obj, old if isinstance(old, dict) else None))
            return errs
        except Exception as exc:
            log.exception("validation failed kind=%s", self.info.kind)
            return [internal("", f"validation of {self.info.kind} failed: {exc!r}")]

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        """Kind-specific checks; override. old is the stored object on update."""
        return []

    def validate_status(self, obj: dict, old: dict) -> Errs:
        try:
            errs = validate_object_meta(obj, self.info.namespaced, self.name_validation,
                                        check_name=False)
            errs.extend(validate_object_meta_update(obj, old))
            errs.extend(self.validate_status_object(obj, old))
            return errs
        except Exception as exc:
            log.exception("status validation failed kind=%s", self.info.kind)
            return [internal("", f"validation of {self.info.kind} status failed: {exc!r}")]

    def validate_status_object(self, obj: dict, old: dict) -> Errs:
        return []


class GenericStrategy(Strategy):
    """Kinds without specific rules: metadata only."""


def copied(value: Any) -> Any:
    return copy.deepcopy(value)
