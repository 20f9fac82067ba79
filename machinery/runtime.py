"""Process runtime shared by every component: `serve()` and structured logging.

`serve(*runnables)` runs everything a component does under one asyncio.TaskGroup. A runnable is
a coroutine, or an object with `async run()` (informers, controllers, servers) and optionally
`stop()` (sync or async) for a graceful stop. On SIGTERM/SIGINT (or when `stop_event` is set):
`stop()` is called on every object that has one (controllers drain their queues, informers stop
watching), the rest are cancelled, and whatever is still running after `shutdown_timeout_s` is
cancelled. A second signal exits the process at once (exit code 1), as upstream components do.
If a runnable raises, the others are cancelled and the error propagates from `serve()`.

Logging: `setup_logging(component)` installs one logfmt-style handler on the root logger; code
logs a constant message plus fields: `log.info("pod bound", extra=kv(pod=key, node=name))`.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import os
import signal
import sys
import time
from typing import Any, Awaitable, Callable

log = logging.getLogger("machinery.runtime")

Runnable = Any   # a coroutine, or an object with `async run()` and optionally `stop()`


async def serve(*runnables: Runnable, shutdown_timeout_s: float = 30.0,
                stop_event: asyncio.Event | None = None, handle_signals: bool = True,
                hard_exit: Callable[[int], Any] = os._exit) -> None:
    stop_event = stop_event or asyncio.Event()
    remove_handlers = _install_signal_handlers(stop_event, hard_exit) if handle_signals else None
    try:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(_as_coroutine(r), name=_name(r)) for r in runnables]
            tg.create_task(_supervise(runnables, tasks, stop_event, shutdown_timeout_s),
                           name="serve-supervisor")
    except BaseExceptionGroup as group:
        if len(group.exceptions) == 1:
            raise group.exceptions[0] from None
        raise
    finally:
        if remove_handlers:
            remove_handlers()


def _as_coroutine(runnable: Runnable) -> Awaitable[Any]:
    if inspect.isawaitable(runnable):
        return runnable
    return runnable.run()


def _name(runnable: Runnable) -> str:
    if inspect.iscoroutine(runnable):
        return runnable.__qualname__
    return getattr(runnable, "name", None) or type(runnable).__name__


async def _supervise(runnables: tuple[Runnable, ...], tasks: list[asyncio.Task],
                     stop_event: asyncio.Event, timeout_s: float) -> None:
    """Wait for a stop request (or for every runnable to end), then stop them gracefully."""
    stop_wait = asyncio.ensure_future(stop_event.wait())
    try:
        while not stop_event.is_set():
            running = [t for t in tasks if not t.done()]
            if not running:
                return          # every runnable ended by itself
            await asyncio.wait([stop_wait, *running], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop_wait.cancel()
    log.info("shutting down", extra=kv(timeout_s=timeout_s))
    await _stop_all(runnables, tasks, timeout_s)


async def _stop_all(runnables: tuple[Runnable, ...], tasks: list[asyncio.Task],
                    timeout_s: float) -> None:
    stoppers = []
    for runnable, task in zip(runnables, tasks):
        stop = getattr(runnable, "stop", None)
        if task.done():
            continue
        if stop is None:
            task.cancel()
            continue
        result = stop()
        if inspect.isawaitable(result):
            stoppers.append(asyncio.ensure_future(result))
    pending = [t for t in tasks if not t.done()]
    if not pending and not stoppers:
        return
    finished, late = await asyncio.wait([*pending, *stoppers], timeout=timeout_s)
    for stopper in finished & set(stoppers):
        if not stopper.cancelled() and stopper.exception() is not None:
            log.warning("stop failed", extra=kv(error=repr(stopper.exception())))
    for task in late:
        log.warning("did not stop in time, cancelling", extra=kv(task=task.get_name()))
        task.cancel()


def _install_signal_handlers(stop_event: asyncio.Event,
                             hard_exit: Callable[[int], Any]) -> Callable[[], None]:
    loop = asyncio.get_running_loop()
    received = 0

    def on_signal(signame: str) -> None:
        nonlocal received
        received += 1
        if received == 1:
            log.info("signal received, stopping gracefully", extra=kv(signal=signame))
            stop_event.set()
        else:
            log.warning("second signal received, exiting now", extra=kv(signal=signame))
            logging.shutdown()
            hard_exit(1)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig.name)

    def remove() -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    return remove


# --- structured logging -------------------------------------------------------------------------

def kv(**fields: Any) -> dict[str, Any]:
    """`extra=` for a log call: key=value fields rendered after the constant message."""
    return {"fields": fields}


class LogfmtFormatter(logging.Formatter):
    """`time=... level=INFO component=x logger=y msg="..." key=value ...` on one line."""

    def __init__(self, component: str):
        super().__init__()
        self.component = component

    def format(self, record: logging.LogRecord) -> str:
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        parts = [f"time={ts}.{int(record.msecs):03d}Z", f"level={record.levelname}",
                 f"component={self.component}", f"logger={record.name}",
                 f"msg={_quote(record.getMessage())}"]
        for key, value in (getattr(record, "fields", None) or {}).items():
            parts.append(f"{key}={_quote(value)}")
        for key, value in record.__dict__.items():     # extra={...} given without kv()
            if key not in _RECORD_ATTRS:
                parts.append(f"{key}={_quote(value)}")
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


# what every LogRecord has; anything else on a record came from a caller's `extra=`
_RECORD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"fields", "message", "asctime",
                                                                  "taskName"}


def _quote(value: Any) -> str:
    text = str(value)
    if text and not any(c in text for c in ' "=\n\t'):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def setup_logging(component: str, level: str | int = "INFO", stream: Any = None) -> None:
    """One handler on the root logger for the whole process (replaces earlier handlers)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(LogfmtFormatter(component))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    # third-party libraries are chatty at DEBUG/INFO; keep them to warnings
    for noisy in ("httpx", "httpcore", "asyncio", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
