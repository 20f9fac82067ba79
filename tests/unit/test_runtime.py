"""serve(): running, graceful stop, timeouts, errors and signals; the logfmt logging setup."""
import asyncio
import io
import logging
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from machinery.runtime import kv, serve, setup_logging

pytestmark = pytest.mark.unit


class Service:
    """An object runnable: run() until stop() is called."""

    def __init__(self, name="svc", stop_delay_s=0.0):
        self.name = name
        self.stop_delay_s = stop_delay_s
        self.stopped = asyncio.Event()
        self.finished = False
        self.cancelled = False

    async def run(self):
        try:
            await self.stopped.wait()
            await asyncio.sleep(self.stop_delay_s)     # drain
            self.finished = True
        except asyncio.CancelledError:
            self.cancelled = True
            raise

    async def stop(self):
        self.stopped.set()


async def test_serve_returns_when_every_runnable_ends():
    ran = []

    async def job(n):
        await asyncio.sleep(0.01 * n)
        ran.append(n)

    await asyncio.wait_for(serve(job(2), job(1), handle_signals=False), 2)
    assert ran == [1, 2]


async def test_stop_event_stops_objects_gracefully_and_cancels_coroutines():
    svc = Service(stop_delay_s=0.02)
    cancelled = []

    async def forever():
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    stop = asyncio.Event()
    task = asyncio.create_task(serve(svc, forever(), stop_event=stop, handle_signals=False))
    await asyncio.sleep(0.01)
    assert not task.done()
    stop.set()
    await asyncio.wait_for(task, 2)
    assert svc.finished and not svc.cancelled
    assert cancelled == [True]


async def test_runnable_that_does_not_stop_in_time_is_cancelled():
    slow = Service(stop_delay_s=10)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(slow, stop_event=stop, shutdown_timeout_s=0.05,
                                     handle_signals=False))
    await asyncio.sleep(0.01)
    started = time.monotonic()
    stop.set()
    await asyncio.wait_for(task, 2)
    assert slow.cancelled and not slow.finished
    assert time.monotonic() - started < 1


async def test_sync_stop_is_supported():
    class SyncStop(Service):
        def stop(self):
            self.stopped.set()

    svc = SyncStop()
    stop = asyncio.Event()
    task = asyncio.create_task(serve(svc, stop_event=stop, handle_signals=False))
    await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 2)
    assert svc.finished


async def test_a_failing_runnable_cancels_the_rest_and_raises():
    svc = Service()

    async def crash():
        await asyncio.sleep(0.01)
        raise RuntimeError("crashed")

    with pytest.raises(RuntimeError, match="crashed"):
        await asyncio.wait_for(serve(svc, crash(), handle_signals=False), 2)
    assert svc.cancelled


async def test_sigterm_in_process_stops_gracefully():
    svc = Service()
    task = asyncio.create_task(serve(svc, shutdown_timeout_s=1))
    await asyncio.sleep(0.01)
    signal.raise_signal(signal.SIGTERM)
    await asyncio.wait_for(task, 2)
    assert svc.finished


SCRIPT = textwrap.dedent("""
    import asyncio, sys
    from machinery.runtime import serve, setup_logging

    class Draining:
        name = "draining"
        def __init__(self):
            self.drained = asyncio.Event()
        async def run(self):
            print("ready", flush=True)
            await self.drained.wait()
        async def stop(self):
            print("stopping", flush=True)
            await asyncio.sleep(float(sys.argv[1]))   # a slow drain
            self.drained.set()

    setup_logging("test")
    asyncio.run(serve(Draining(), shutdown_timeout_s=60))
    print("clean exit", flush=True)
""")


def _start(drain_s: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(drain_s)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_first_signal_drains_then_exits_cleanly():
    proc = _start(0.1)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert out.splitlines() == ["stopping", "clean exit"]
    assert 'msg="signal received, stopping gracefully"' in err and "signal=SIGTERM" in err


def test_second_signal_exits_at_once():
    proc = _start(60)
    proc.send_signal(signal.SIGINT)
    assert proc.stdout.readline().strip() == "stopping"
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 1
    assert time.monotonic() - started < 10
    assert "clean exit" not in out
    assert 'msg="second signal received, exiting now"' in err


# --- logging ------------------------------------------------------------------------------------

def test_setup_logging_renders_logfmt_with_fields():
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        setup_logging("scheduler", level="DEBUG", stream=stream)
        logging.getLogger("scheduler.binder").info(
            "pod bound", extra=kv(pod="default/web-1", node="node-1", error='a "b" c'))
        logging.getLogger("scheduler.x").debug("plain")
        try:
            raise ValueError("oops")
        except ValueError:
            logging.getLogger("scheduler.x").exception("failed", extra=kv(key="k"))
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    lines = stream.getvalue().splitlines()
    first = lines[0]
    assert first.startswith("time=") and first.split()[0].endswith("Z")
    assert ('level=INFO component=scheduler logger=scheduler.binder msg="pod bound" '
            'pod=default/web-1 node=node-1 error="a \\"b\\" c"') in first
    assert "level=DEBUG" in lines[1] and "msg=plain" in lines[1]
    assert "msg=failed key=k" in lines[2]
    assert "ValueError: oops" in stream.getvalue()
