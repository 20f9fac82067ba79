"""The query and path parameters of the REST operations, as upstream declares them.

kubectl checks one of these before every apply/create/replace/edit: the PATCH operation of the
object's kind must declare `fieldValidation`, or kubectl falls back to client-side validation
against /openapi/v2 (which has no definitions here, see openapi/v2.py).
"""
from __future__ import annotations

from typing import Any

Parameter = dict[str, Any]


def _query(name: str, type_: str, description: str) -> Parameter:
    return {"name": name, "in": "query", "description": description,
            "schema": {"type": type_, "uniqueItems": True}}


def path_param(name: str, description: str) -> Parameter:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string", "uniqueItems": True}}


NAMESPACE = path_param("namespace", "object name and auth scope, such as for teams and projects")
PRETTY = _query("pretty", "string", "If 'true', then the output is pretty printed.")

DRY_RUN = _query("dryRun", "string", "When present, modifications are not persisted. The only "
                 "valid value is All: all dry run stages are processed.")
FIELD_MANAGER = _query("fieldManager", "string", "A name for the actor making these changes, "
                       "recorded in managedFields; at most 128 printable characters.")
FIELD_VALIDATION = _query(
    "fieldValidation", "string",
    "How the server treats unknown or duplicate fields in the request: Ignore drops them, Warn "
    "(the default) drops them and returns a warning header for each, Strict fails the request "
    "with BadRequest.")
FORCE = _query("force", "boolean", "Force apply requests: take ownership of conflicting fields. "
               "Only for apply patches.")

LIST = [
    _query("allowWatchBookmarks", "boolean", "Ask for BOOKMARK watch events; ignored if this is not "
           "a watch."),
    _query("continue", "string", "The continue token of a previous paged list call."),
    _query("fieldSelector", "string", "Restrict the returned objects by their fields. Defaults to "
           "everything."),
    _query("labelSelector", "string", "Restrict the returned objects by their labels. Defaults to "
           "everything."),
    _query("limit", "integer", "Maximum number of objects to return; the list metadata carries a "
           "continue token when more are available."),
    _query("resourceVersion", "string", "Constrains which resource versions the request may be "
           "served from."),
    _query("resourceVersionMatch", "string", "How resourceVersion is applied to list calls: Exact "
           "or NotOlderThan."),
    _query("sendInitialEvents", "boolean", "With watch, start with synthetic ADDED events for the "
           "current state, then a bookmark."),
    _query("timeoutSeconds", "integer", "Timeout for the list/watch call."),
    _query("watch", "boolean", "Watch for changes and return them as a stream of add, update and "
           "remove notifications."),
]

DELETE = [
    DRY_RUN,
    _query("gracePeriodSeconds", "integer", "Seconds before the object should be deleted; 0 means "
           "immediately."),
    _query("ignoreStoreReadErrorWithClusterBreakingPotential", "boolean", "Delete an object that "
           "cannot be read from storage; unsafe."),
    _query("orphanDependents", "boolean", "Deprecated, use propagationPolicy: orphan the dependents."),
    _query("propagationPolicy", "string", "Whether and how garbage collection is done: Orphan, "
           "Background or Foreground."),
]

# Parameters by x-kubernetes-action (the operation kinds of upstream's documents).
BY_ACTION: dict[str, list[Parameter]] = {
    "get": [],
    "list": LIST,
    "watch": LIST,
    "watchlist": LIST,
    "post": [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
    "put": [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
    "patch": [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE],
    "delete": DELETE,
    "deletecollection": DELETE + [p for p in LIST if p["name"] not in ("watch", "allowWatchBookmarks")],
    "connect": [],
}

# Query parameters of the streaming pod subresources.
BY_SUBRESOURCE: dict[str, list[Parameter]] = {
    "log": [
        _query("container", "string", "The container for which to stream logs; defaults to the "
               "only container."),
        _query("follow", "boolean", "Follow the log stream of the pod."),
        _query("limitBytes", "integer", "Number of bytes to read from the server before stopping."),
        _query("previous", "boolean", "Return the logs of the previous, terminated container."),
        _query("sinceSeconds", "integer", "Relative time in seconds before now from which to show "
               "logs."),
        _query("tailLines", "integer", "Number of lines from the end of the logs to show."),
        _query("timestamps", "boolean", "Prefix every line with an RFC 3339 timestamp."),
    ],
    "exec": [
        _query("command", "string", "The command to execute; repeat for each argument."),
        _query("container", "string", "Container in which to execute the command."),
        _query("stderr", "boolean", "Redirect the standard error stream."),
        _query("stdin", "boolean", "Redirect the standard input stream."),
        _query("stdout", "boolean", "Redirect the standard output stream."),
        _query("tty", "boolean", "Allocate a terminal."),
    ],
    "attach": [
        _query("container", "string", "The container to attach to."),
        _query("stderr", "boolean", "Stream the standard error of the container."),
        _query("stdin", "boolean", "Pass standard input to the container."),
        _query("stdout", "boolean", "Stream the standard output of the container."),
        _query("tty", "boolean", "Allocate a terminal."),
    ],
    "portforward": [
        _query("ports", "integer", "Pod ports to forward to."),
    ],
    "proxy": [
        _query("path", "string", "Path to the resource, relative to the proxied object."),
    ],
}
