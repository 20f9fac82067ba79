"""How kubectl reports failures: the text on stderr and the exit code.

Server errors arrive as `Status` bodies (`machinery.api.errors.ApiError`); kubectl prints them as
`Error from server (<Reason>): <message>`, except Invalid, which it words from the causes
(`The Pod "x" is invalid: spec.containers: Required value`). Everything else is `error: ...`.
Every failure exits 1, as kubectl's cmdutil.CheckErr does.
"""
from __future__ import annotations

from typing import Any

from machinery.api.errors import ApiError

DEFAULT_EXIT_CODE = 1


class CLIError(Exception):
    """A failure to report as-is (the text is already worded) with an exit code."""

    def __init__(self, message: str, exit_code: int = DEFAULT_EXIT_CODE,
                 prefix_output: str = ""):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.prefix_output = prefix_output      # stdout kubectl prints before failing


def usage_error(message: str, command: str) -> CLIError:
    """kubectl's UsageErrorf: the message plus a pointer to --help."""
    return CLIError(f"error: {message}\nSee 'kubectl {command} -h' for help and examples")


def with_source(err: ApiError, verb: str, source: str | None) -> ApiError:
    """kubectl's AddSourceToErr: `error when creating "file.yaml": <message>`."""
    if source and source != "STDIN" and err.reason != "Invalid":
        err.message = f'error when {verb} "{source}": {err.message}'
    elif source == "STDIN" and err.reason != "Invalid":
        err.message = f'error when {verb} "STDIN": {err.message}'
    return err


def render_api_error(err: ApiError) -> str:
    """The line(s) kubectl prints for a Status error."""
    if err.reason == "Invalid":
        return _render_invalid(err)
    if not err.reason or err.reason == "Unknown":
        return f"Error from server: {err.message}"
    return f"Error from server ({err.reason}): {err.message}"


def _render_invalid(err: ApiError) -> str:
    details: dict[str, Any] = err.details or {}
    if not details:
        return f"The request is invalid: {err.message}"
    head = "The request is invalid"
    if details.get("kind") or details.get("name"):
        head = f'The {details.get("kind", "")} "{details.get("name", "")}" is invalid'
    causes = details.get("causes") or []
    lines = [f'{c["field"]}: {c.get("message", "")}' if c.get("field") else c.get("message", "")
             for c in causes]
    if not lines:
        return head
    if len(lines) == 1:
        return f"{head}: {lines[0]}"
    return f"{head}: \n" + "".join(f"* {line}\n" for line in lines)


def render(err: BaseException) -> tuple[str, int]:
    """(stderr text without the final newline, exit code) for any failure."""
    import httpx
    if isinstance(err, httpx.ConnectError) and err.request is not None:
        url = err.request.url
        if "refused" in str(err).lower():
            return (f"The connection to the server {url.host}:{url.port} was refused - did you "
                    "specify the right host or port?", DEFAULT_EXIT_CODE)
        return f"Unable to connect to the server: {err}", DEFAULT_EXIT_CODE
    if isinstance(err, httpx.TransportError):
        return f"Unable to connect to the server: {err}", DEFAULT_EXIT_CODE
    if isinstance(err, CLIError):
        return err.message, err.exit_code
    if isinstance(err, ApiError):
        return render_api_error(err), DEFAULT_EXIT_CODE
    return f"error: {err}", DEFAULT_EXIT_CODE
