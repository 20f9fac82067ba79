"""Reads: get, list (paged, with selectors) and watch (streamed from the watch cache)."""
from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import time
from typing import Any, AsyncIterator

from apiserver import conversion
from apiserver.codec import dumps
from apiserver.fields import check_selector_fields, field_set
from apiserver.request_info import RequestInfo
from apiserver.rest.context import Obj, ServerContext, list_prefix, object_key
from apiserver.rest.params import ListParams
from apiserver.storage import KeyNotFound, RevisionCompacted
from apiserver.tables import build_table
from machinery.api.errors import ApiError, BadRequest, Gone, NotFound
from machinery.selectors import parse_field_selector, parse_label_selector

BOOKMARK_INTERVAL_S = 5.0


def _predicate(ri: RequestInfo, params: ListParams):
    labels = parse_label_selector(params.label_selector)
    fields = parse_field_selector(params.field_selector)
    check_selector_fields(ri.info, fields.requirements)
    namespace = ri.namespace

    def matches(obj: Obj) -> bool:
        meta = obj.get("metadata") or {}
        if namespace is not None and meta.get("namespace") != namespace:
            return False
        if not labels.empty and not labels.matches(meta.get("labels") or {}):
            return False
        return fields.empty or fields.matches(field_set(ri.info, obj))
    return matches


def encode_continue(rv: int, start: str) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_continue(token: str) -> tuple[int, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        return int(data["rv"]), str(data["start"])
    except Exception:
        raise BadRequest("continue key is not valid: incorrect encoded start resourceVersion "
                         "(version meta.k8s.io/v1)") from None


def parse_rv(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        rv = int(value)
    except ValueError:
        raise BadRequest(f'invalid resource version "{value}"') from None
    if rv < 0:
        raise BadRequest(f'invalid resource version "{value}"')
    return rv


def expired(requested: int, oldest: int) -> Gone:
    return Gone(f"too old resource version: {requested} ({oldest})")


class Reader:
    def __init__(self, ctx: ServerContext):
        self.ctx = ctx

    async def get(self, ri: RequestInfo) -> Obj:
        try:
            obj = await self.ctx.store.get(object_key(ri.info, ri.namespace, ri.name))
        except KeyNotFound:
            raise NotFound.object(ri.info.plural, ri.info.group, ri.name) from None
        return conversion.from_storage(ri.info, obj)

    async def list(self, ri: RequestInfo, params: ListParams) -> Obj:
        info = ri.info
        matches = _predicate(ri, params)
        rv = parse_rv(params.resource_version)
        prefix = list_prefix(info, ri.namespace)
        if params.continue_token:
            list_rv, start = decode_continue(params.continue_token)
            if not start.startswith(prefix):
                raise BadRequest("continue key is not valid: it belongs to another list")
            try:
                result = await self.ctx.store.list(prefix, start_key=start, limit=params.limit,
                                                   revision=list_rv, predicate=matches)
            except RevisionCompacted:
                raise Gone("The provided continue parameter is too old to display a consistent "
                           "list result. You can start a new list without the continue "
                           "parameter.") from None
            items, list_rv, next_key = result.items, result.revision, result.next_key
        elif rv == 0:               # "any version": the watch cache answers, limit ignored
            items, list_rv = self.ctx.cache_for(info).snapshot(matches)
            next_key = None
        else:
            result = await self.ctx.store.list(prefix, limit=params.limit, predicate=matches)
            items, list_rv, next_key = result.items, result.revision, result.next_key
        meta: dict[str, Any] = {"resourceVersion": str(list_rv)}
        if next_key:
            meta["continue"] = encode_continue(list_rv, next_key)
        items = [conversion.from_storage(info, o) for o in items]
        return {"kind": info.list_kind, "apiVersion": info.api_version, "metadata": meta,
                "items": items}

    def table(self, ri: RequestInfo, listed: Obj, params: ListParams) -> Obj:
        return build_table(ri.info, listed["items"], dt.datetime.now(dt.timezone.utc),
                           include_object=params.include_object,
                           resource_version=listed["metadata"]["resourceVersion"],
                           continue_token=listed["metadata"].get("continue", ""))

    def watch(self, ri: RequestInfo, params: ListParams, as_table: bool) -> AsyncIterator[bytes]:
        """Subscribe now (so errors become HTTP statuses); stream later."""
        matches = _predicate(ri, params)
        rv = parse_rv(params.resource_version)
        cache = self.ctx.cache_for(ri.info)
        if ri.name is not None:                       # GET .../pods/x?watch=true
            name, inner = ri.name, matches
            matches = lambda o: (o.get("metadata") or {}).get("name") == name and inner(o)  # noqa
        try:
            sub = cache.subscribe(None if not rv else rv, matches)
        except RevisionCompacted as e:
            return self._single_error(expired(e.requested, e.compacted))
        return self._stream(ri, sub, params, as_table)

    async def _single_error(self, err: ApiError) -> AsyncIterator[bytes]:
        yield dumps({"type": "ERROR", "object": err.to_status()}) + b"\n"

    async def _stream(self, ri: RequestInfo, sub, params: ListParams,
                      as_table: bool) -> AsyncIterator[bytes]:
        deadline = time.monotonic() + params.timeout_s if params.timeout_s else None
        first_table = True
        try:
            while True:
                wait = BOOKMARK_INTERVAL_S
                if deadline is not None:
                    wait = min(wait, deadline - time.monotonic())
                    if wait <= 0:
                        return
                try:
                    item = await asyncio.wait_for(sub.queue.get(), wait)
                except asyncio.TimeoutError:
                    # only when nothing is queued: a bookmark past queued events would let the
                    # client resume after events it never received
                    if params.allow_bookmarks and sub.queue.empty():
                        yield self._bookmark(ri, sub.bookmark_rv)
                    continue
                if item is None:
                    return
                typ, obj, shared = item
                if as_table:
                    obj = build_table(ri.info, [conversion.from_storage(ri.info, obj)],
                                      dt.datetime.now(dt.timezone.utc),
                                      include_object=params.include_object,
                                      with_columns=first_table)
                    first_table = False
                    yield dumps({"type": typ, "object": obj}) + b"\n"
                    continue
                key = (typ, ri.info.api_version)
                line = shared.get(key) if shared is not None else None
                if line is None:
                    line = dumps({"type": typ, "object": conversion.from_storage(ri.info, obj)}) \
                        + b"\n"
                    if shared is not None:
                        shared[key] = line
                yield line
        finally:
            sub.close()

    def _bookmark(self, ri: RequestInfo, rv: int) -> bytes:
        return dumps({"type": "BOOKMARK", "object": {
            "kind": ri.info.kind, "apiVersion": ri.info.api_version,
            "metadata": {"resourceVersion": str(rv),
                         "annotations": {"k8s.io/initial-events-end": "true"}}}}) + b"\n"
