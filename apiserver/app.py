"""build_app(settings): the api-server as an ASGI application.

Routes: /version, discovery, OpenAPI, health and metrics, and one catch-all per API root that
parses the path (request_info) and hands it to the generic REST pipeline.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from apiserver import discovery
from apiserver.allocators import ServiceAllocator
from apiserver.admission.plugins import default_chain
from apiserver.auth.authorizer import Attributes, forbidden_message
from apiserver.auth.middleware import AuthorizationMiddleware, is_resource_path
from apiserver.auth.modes import build_authorizer
from apiserver.auth.authenticator import (AuthenticationMiddleware, build_authenticator,
                                          self_subject_review)
from apiserver.auth.tokens import ANONYMOUS
from apiserver.bootstrap import bootstrap, run_compactor
from apiserver.codec import decode_body, json_response, wants_table
from apiserver.metrics import Metrics
from apiserver.openapi import build_documents
from apiserver.openapi import v2 as openapi_v2_doc
from apiserver.request_info import RequestInfo, parse_resource_path
from apiserver.rest.context import ServerContext
from apiserver.rest import kubelet_proxy
from apiserver.rest.access_review import create_review
from apiserver.rest.deletion import Deleter, parse_delete_options
from apiserver.rest.params import ListParams, WriteParams
from apiserver.rest.reads import Reader
from apiserver.rest.subresources import KUBELET_SUBRESOURCES, Subresources
from apiserver.rest.token_request import token_requests_for
from apiserver.rest.writes import Writer
from apiserver.settings import ApiServerSettings
from apiserver.storage import EtcdStore, StorageUnavailable
from apiserver.storage.transformer import transformer_for
from apiserver.storage.etcd_tls import EtcdTLS
from apiserver.tables import build_table
from machinery.api.errors import (ApiError, Forbidden, InternalError, MethodNotAllowed, NotFound,
                                  RequestEntityTooLarge, ServiceUnavailable)
from machinery.api.resources import RESOURCES

log = logging.getLogger("apiserver")

NO_CACHE = {"Cache-Control": "no-cache, private"}
AuthMiddleware = AuthenticationMiddleware      # its former name here


def _verb(method: str, ri: RequestInfo, watch: bool) -> str:
    if method == "GET":
        return "WATCH" if watch else ("GET" if ri.name else "LIST")
    if method == "DELETE" and ri.name is None:
        return "DELETECOLLECTION"
    return method


def _header_safe(text: str) -> str:
    """A header value carries ASCII on one line: a field name from a manifest may not."""
    text = text.encode("ascii", "backslashreplace").decode("ascii")
    return "".join(c if " " <= c <= "~" else f"\\x{ord(c):02x}" for c in text)


_AUTHZ_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete",
                "DELETECOLLECTION": "deletecollection"}


class Api:
    """The handlers behind the catch-all routes."""

    def __init__(self, ctx: ServerContext, metrics: Metrics):
        self.ctx, self.metrics = ctx, metrics
        self.reader = Reader(ctx)
        self.writer = Writer(ctx)
        self.deleter = Deleter(ctx)
        self.subresources = Subresources(ctx, self.writer, self.deleter)
        self.token_requests = token_requests_for(ctx)

    async def handle(self, request: Request) -> Response:
        start = time.monotonic()
        verb, resource, code = request.method, "", 500
        try:
            ri = parse_resource_path(request.url.path)
            resource = ri.info.plural + (f"/{ri.subresource}" if ri.subresource else "")
            watch = request.query_params.get("watch") in ("true", "1")
            verb = _verb(request.method, ri, watch)
            await self._authorize(request, ri, _AUTHZ_VERBS.get(verb, verb.lower()))
            response = await self._dispatch(request, ri, watch)
            code = response.status_code
            return response
        except ApiError as e:
            code = e.code
            return json_response(e.to_status(), e.code)
        except StorageUnavailable as e:
            code = 503
            return json_response(ServiceUnavailable(str(e)).to_status(), 503)
        except Exception as e:  # never a stack trace to the client
            log.exception("unhandled error", extra={"path": request.url.path})
            return json_response(InternalError(f"internal error: {type(e).__name__}").to_status(),
                                 500)
        finally:
            if verb != "WATCH":
                self.metrics.observe(verb, resource, code, time.monotonic() - start)

    async def _authorize(self, request: Request, ri: RequestInfo, verb: str) -> None:
        attrs = Attributes(request.scope.get("user", ANONYMOUS), verb, ri.info.group,
                           ri.info.plural, ri.subresource or "", ri.namespace or "",
                           ri.name or "")
        decision = await self.ctx.authorizer.authorize(attrs)
        if not decision.allowed:
            message = forbidden_message(attrs)
            if decision.reason:
                message += f": {decision.reason}"
            raise Forbidden(message, details={"name": ri.name or "", "group": ri.info.group,
                                              "kind": ri.info.plural})

    async def _body(self, request: Request) -> bytes:
        length = request.headers.get("content-length")
        limit = self.ctx.settings.max_body_bytes
        if length and length.isdigit() and int(length) > limit:
            raise RequestEntityTooLarge(f"the request body is larger than {limit} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise RequestEntityTooLarge(f"the request body is larger than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _respond(self, request: Request, ri: RequestInfo, obj: dict, status: int = 200,
                 params: WriteParams | None = None) -> Response:
        headers = {}
        if params and params.warnings:
            headers["Warning"] = ", ".join(  # a quoted-string: escape quotes (PodSecurity's)
                '299 - "' + _header_safe(w).replace("\\", "\\\\").replace('"', '\\"') + '"'
                for w in params.warnings[:20])
        if wants_table(request.headers.get("accept")) and obj.get("kind") == ri.info.kind and \
                ri.subresource is None:
            obj = build_table(ri.info, [obj], dt.datetime.now(dt.timezone.utc),
                              include_object=request.query_params.get("includeObject") or
                              "Metadata", resource_version=obj["metadata"].get("resourceVersion",
                                                                                ""))
        return json_response(obj, status, headers)

    async def _dispatch(self, request: Request, ri: RequestInfo, watch: bool) -> Response:
        method, q = request.method, request.query_params
        sub = ri.subresource
        if sub in ("log", "exec", "attach", "portforward"):
            return await kubelet_proxy.proxy_http(self.ctx, ri, request)
        if sub in KUBELET_SUBRESOURCES:
            await self.subresources.kubelet_stream(ri)
        if method == "GET":
            return await self._get(request, ri, watch)
        params = WriteParams.parse(q, request.headers.get("user-agent", ""),
                                   request.scope.get("user", ANONYMOUS))
        body = await self._body(request)
        ctype = request.headers.get("content-type")
        if method == "POST":
            return await self._post(request, ri, body, ctype, params)
        if method in ("PUT", "PATCH") and ri.name is None:
            raise MethodNotAllowed(f"{method} is not supported on a collection")
        if method == "PUT":
            if sub == "scale":
                return self._respond(request, ri, await self.subresources.write_scale(
                    ri, "PUT", body, ctype, params))
            return self._respond(request, ri, await self.writer.update(
                ri, decode_body(body, ctype), params), 200, params)
        if method == "PATCH":
            if sub == "scale":
                return self._respond(request, ri, await self.subresources.write_scale(
                    ri, "PATCH", body, ctype, params))
            obj, status = await self.writer.patch(ri, body, ctype, params)
            return self._respond(request, ri, obj, status, params)
        if method == "DELETE":
            opts = parse_delete_options(decode_body(body, ctype) if body else None, q)
            if ri.name is None:
                return json_response(await self._delete_collection(request, ri, opts))
            obj, status = await self.deleter.delete(ri, opts, params.user)
            return json_response(obj, status)
        raise MethodNotAllowed(f"the server does not allow the method {method} here")

    async def _get(self, request: Request, ri: RequestInfo, watch: bool) -> Response:
        params = ListParams.parse(request.query_params)
        as_table = wants_table(request.headers.get("accept"))
        if ri.subresource == "scale":
            return json_response(await self.subresources.get_scale(ri))
        if watch:
            stream = self.reader.watch(ri, params, as_table)
            return StreamingResponse(self._counted(ri, stream), media_type="application/json",
                                     headers={"Cache-Control": "no-cache, private"})
        if ri.name is not None:
            return self._respond(request, ri, await self.reader.get(ri))
        listed = await self.reader.list(ri, params)
        if as_table:
            return json_response(self.reader.table(ri, listed, params))
        return json_response(listed)

    async def _counted(self, ri: RequestInfo, stream):
        self.metrics.watch_started(ri.info.plural)
        try:
            async for chunk in stream:
                yield chunk
        finally:
            self.metrics.watch_ended(ri.info.plural)

    async def _post(self, request: Request, ri: RequestInfo, body: bytes, ctype: str | None,
                    params: WriteParams) -> Response:
        sub = ri.subresource
        if sub == "binding" or (ri.info.plural == "bindings" and ri.info.group == ""):
            return json_response(await self.subresources.bind(
                ri, decode_body(body, ctype), params), 201)
        if sub == "token" and ri.info.plural == "serviceaccounts" and self.token_requests:
            return json_response(await self.token_requests.create(
                ri, decode_body(body, ctype), params), 201)
        if ri.info.group == "authorization.k8s.io":       # reviews: answered, not stored
            return json_response(await create_review(self.ctx, ri, decode_body(body, ctype),
                                                     params.user), 201)
        if sub == "eviction":
            return json_response(await self.subresources.evict(
                ri, decode_body(body, ctype) if body else None), 201)
        if ri.name is not None:
            raise MethodNotAllowed(f"POST is not supported on {ri.info.plural}/{ri.name}"
                                   + (f"/{sub}" if sub else ""))
        obj = await self.writer.create(ri, decode_body(body, ctype), params)
        return self._respond(request, ri, obj, 201, params)

    async def _delete_collection(self, request: Request, ri: RequestInfo, opts: dict) -> dict:
        listed = await self.reader.list(ri, ListParams.parse(request.query_params))
        deleted = []
        for item in listed["items"]:
            meta = item["metadata"]
            one = RequestInfo(ri.info, meta.get("namespace"), meta["name"], None)
            try:
                obj, _ = await self.deleter.delete(one, opts)
                deleted.append(item if obj.get("kind") == "Status" else obj)
            except NotFound:
                continue
        return {**listed, "items": deleted}


def build_app(settings: ApiServerSettings, token_file: Path | None = None) -> FastAPI:
    store = EtcdStore(settings.etcd_servers, tls=EtcdTLS.from_settings(settings))
    ctx = ServerContext(settings, store, ServiceAllocator(settings.service_cidr,
                                                          settings.node_port_range))
    ctx.authorizer = build_authorizer(settings.authorization_mode, ctx)
    ctx.admission = default_chain(settings.disable_admission_plugins)
    store.transformer = transformer_for(settings.encryption_provider_config, settings.cert_dir)
    metrics = Metrics()
    api = Api(ctx, metrics)
    openapi = build_documents(RESOURCES)
    tasks: list[asyncio.Task] = []

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        await _connect(store)
        await ctx.start_caches()
        await bootstrap(ctx, api.writer)
        tasks.append(asyncio.create_task(run_compactor(ctx)))
        yield
        for t in tasks:
            t.cancel()
        await ctx.stop_caches()
        await store.close()

    app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    app.state.ctx = ctx

    @app.get("/version")
    async def version():
        return json_response(discovery.VERSION, headers=NO_CACHE)

    @app.post("/apis/authentication.k8s.io/v1/selfsubjectreviews")
    async def selfsubjectreview(request: Request):
        # `kubectl auth whoami`; every authenticated user may ask (upstream: system:basic-user).
        return json_response(self_subject_review(request.scope.get("user", ANONYMOUS)), 201)

    @app.get("/api")
    async def core_root(request: Request):
        agg = discovery.wants_aggregated(request.headers.get("accept"))
        if agg:
            return json_response(_aggregated(True, agg), content_type=agg, headers=NO_CACHE)
        host = request.headers.get("host", "127.0.0.1:6443")
        return json_response(discovery.api_versions(host), headers=NO_CACHE)

    @app.get("/apis")
    async def groups_root(request: Request):
        agg = discovery.wants_aggregated(request.headers.get("accept"))
        if agg:
            return json_response(_aggregated(False, agg), content_type=agg, headers=NO_CACHE)
        return json_response(discovery.api_group_list(), headers=NO_CACHE)

    @app.get("/api/v1")
    async def core_resources():
        return json_response(discovery.resource_list("", "v1"), headers=NO_CACHE)

    @app.get("/apis/{group}")
    async def group_doc(group: str):
        doc = discovery.api_group(group)
        if doc is None:
            return json_response(NotFound.path().to_status(), 404)
        return json_response(doc, headers=NO_CACHE)

    @app.get("/apis/{group}/{version}")
    async def group_version_doc(group: str, version: str):
        doc = discovery.resource_list(group, version)
        if doc is None:
            return json_response(NotFound.path().to_status(), 404)
        return json_response(doc, headers=NO_CACHE)

    @app.get("/openapi/v3")
    async def openapi_index():
        return json_response(openapi.index(), headers=NO_CACHE)

    @app.get("/openapi/v3/{path:path}")
    async def openapi_doc(path: str):
        doc = openapi.document(path)
        if doc is None:
            return json_response(NotFound.path().to_status(), 404)
        return Response(doc, media_type="application/json",
                        headers={"Cache-Control": "public, immutable"})

    @app.get("/openapi/v2")
    async def openapi_v2(request: Request):
        version = discovery.VERSION["gitVersion"]
        if openapi_v2_doc.wants_protobuf(request.headers.get("accept")):
            return Response(openapi_v2_doc.document_protobuf(version),
                            media_type=openapi_v2_doc.PROTOBUF, headers=NO_CACHE)
        return json_response(openapi_v2_doc.document_json(version), headers=NO_CACHE)

    @app.get("/healthz")
    @app.get("/livez")
    async def healthz():
        return PlainTextResponse("ok")

    @app.get("/readyz")
    async def readyz():
        try:
            await asyncio.wait_for(store.revision(), 2.0)
        except Exception as e:
            return PlainTextResponse(f"[-]etcd failed: {type(e).__name__}\nreadyz check failed",
                                     503)
        return PlainTextResponse("ok")

    @app.get("/metrics")
    async def metrics_endpoint():
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    app.add_api_route("/api/{path:path}", api.handle, methods=methods, include_in_schema=False)
    app.add_api_route("/apis/{path:path}", api.handle, methods=methods, include_in_schema=False)

    @app.exception_handler(404)
    async def not_found(_request, _exc):
        return json_response(NotFound.path().to_status(), 404)

    @app.exception_handler(405)
    async def not_allowed(_request, _exc):
        return json_response(MethodNotAllowed("the server does not allow this method on the "
                                              "requested resource").to_status(), 405)

    # Without a token file (some tests), no authentication at all. The middleware also
    # authenticates websockets, so the kubelet routes need no authenticator of their own.
    authenticator = build_authenticator(ctx, token_file) if token_file else None
    kubelet_proxy.register_kubelet_routes(app, ctx, None)
    app.add_middleware(ResourceRoutes, api=api)              # runs after authorization
    app.add_middleware(AuthorizationMiddleware, ctx=ctx)     # runs after authentication
    app.add_middleware(AuthenticationMiddleware, authenticator=authenticator)
    return app


class ResourceRoutes:
    """Resource requests (/api/v1/..., /apis/<group>/<version>/...) straight to Api.handle.

    They would reach it anyway through FastAPI's catch-all routes, but its router, dependency
    solving and exception layers cost about a quarter of a create's CPU and add nothing here
    (Api.handle answers every error itself). Everything else, and the streaming subresources
    that may have routes of their own, still goes through FastAPI."""

    METHODS = frozenset(("GET", "POST", "PUT", "PATCH", "DELETE"))
    ROUTED = frozenset(("log", "exec", "attach", "portforward", "proxy", "selfsubjectreviews"))

    def __init__(self, app, api: Api):
        self.app, self.api = app, api

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] == "http" and scope["method"] in self.METHODS and \
                is_resource_path(path) and path.rstrip("/").rsplit("/", 1)[-1] not in self.ROUTED:
            response = await self.api.handle(Request(scope, receive))
            return await response(scope, receive, send)
        return await self.app(scope, receive, send)


_AGGREGATED_CACHE: dict[tuple[bool, str], dict[str, Any]] = {}


def _aggregated(core: bool, media: str) -> dict[str, Any]:
    key = (core, media)
    if key not in _AGGREGATED_CACHE:
        doc = discovery.aggregated(core)
        if media == discovery.AGGREGATED_V2BETA1:
            doc = {**doc, "apiVersion": "apidiscovery.k8s.io/v2beta1"}
        _AGGREGATED_CACHE[key] = doc
    return _AGGREGATED_CACHE[key]


async def _connect(store: EtcdStore) -> None:
    """etcd may start after us (compose): keep trying, so the container need not restart."""
    delay = 0.2
    while True:
        try:
            await store.connect()
            await store.revision()
            return
        except Exception as e:
            log.warning("waiting for etcd", extra={"endpoint": store.endpoint, "error": repr(e)})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 3.0)
