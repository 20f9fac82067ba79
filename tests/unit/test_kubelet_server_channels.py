"""channel.k8s.io framing, protocol choice and exit statuses (kubelet/server/channels.py), and
the SPDY port-forward session against a fake pod connection."""
from __future__ import annotations

import asyncio
import json

import pytest

from kubelet.server import channels as ch
from kubelet.server import spdy
from kubelet.server.portforward import SpdyPortForwarder
from kubelet.server.portforward_ws import parse_ports
from kubelet.server.pods import StreamError

pytestmark = pytest.mark.unit


def test_frame_and_split():
    assert ch.frame(ch.STDOUT, b"hi") == b"\x01hi"
    assert ch.split(b"\x00abc") == (0, b"abc")
    assert ch.split(b"\xff\x00") == (ch.CLOSE, b"\x00")
    assert ch.split(b"") is None


def test_protocol_choice_prefers_v5_and_needs_an_offer():
    assert ch.choose_protocol(["v4.channel.k8s.io", "v5.channel.k8s.io"],
                              ch.EXEC_PROTOCOLS) == ch.V5
    assert ch.choose_protocol(["v4.channel.k8s.io"], ch.EXEC_PROTOCOLS) == ch.V4
    assert ch.choose_protocol(["channel.k8s.io"], ch.EXEC_PROTOCOLS) is None
    assert ch.offered_protocols("v5.channel.k8s.io, v4.channel.k8s.io") == [ch.V5, ch.V4]
    assert ch.choose_protocol([ch.SPDY_PORTFORWARD], ch.PORTFORWARD_PROTOCOLS) == \
        ch.SPDY_PORTFORWARD


def test_exit_code_status_is_what_kubectl_reads():
    status = json.loads(ch.status_frame(ch.exit_code_status(["sh", "-c", "exit 3"], 3))[1:])
    assert status["status"] == "Failure" and status["reason"] == "NonZeroExitCode"
    assert status["details"]["causes"] == [{"reason": "ExitCode", "message": "3"}]
    assert "exit code 3" in status["message"]
    assert ch.status_frame(ch.success_status())[0] == ch.ERROR


def test_resize_payload():
    assert ch.parse_resize(b'{"Width":80,"Height":24}') == (80, 24)
    assert ch.parse_resize(b"nonsense") is None


def test_port_prefix_is_little_endian():
    assert ch.port_prefix(8080) == b"\x90\x1f"


def test_parse_ports():
    assert parse_ports(["80,443", "8080"]) == [80, 443, 8080]
    with pytest.raises(StreamError):
        parse_ports([])
    with pytest.raises(StreamError):
        parse_ports(["0"])


class _Echo:
    """A fake pod connection: echoes upper-cased bytes, closes after the client's EOF."""

    def __init__(self):
        self.reader = asyncio.StreamReader()

    async def dial(self, port):
        echo = self

        class Writer:
            def write(self, data):
                echo.reader.feed_data(data.upper())

            async def drain(self):
                return None

            def can_write_eof(self):
                return True

            def write_eof(self):
                echo.reader.feed_eof()

            def close(self):
                return None
        self.port = port
        return self.reader, Writer()


async def test_spdy_session_forwards_and_finishes_both_streams():
    sent: list[bytes] = []

    async def send(data):
        sent.append(data)

    pod = _Echo()
    fwd = SpdyPortForwarder(send, pod.dial, "web")
    client = spdy.SpdyWriter()
    wire = (client.syn_stream(1, {"streamtype": "error", "port": "80", "requestid": "0"})
            + client.data(1, b"", fin=True)
            + client.syn_stream(3, {"streamtype": "data", "port": "80", "requestid": "0"})
            + client.data(3, b"ping") + client.data(3, b"", fin=True))
    for i in range(0, len(wire), 5):               # arbitrary websocket message boundaries
        await fwd.feed(wire[i:i + 5])
    reader = spdy.SpdyReader()
    for _ in range(100):
        frames = reader.feed(b"".join(sent))
        if sum(isinstance(f, spdy.DataFrame) and f.fin for f in frames) == 2:
            break
        reader = spdy.SpdyReader()
        await asyncio.sleep(0.01)
    replies = [f.stream_id for f in frames if isinstance(f, spdy.SynReply)]
    data = [f for f in frames if isinstance(f, spdy.DataFrame)]
    assert replies == [1, 3]
    assert pod.port == 80
    assert b"".join(f.data for f in data if f.stream_id == 3) == b"PING"
    assert [(f.stream_id, f.data) for f in data if f.fin] == [(3, b""), (1, b"")]
    await fwd.close()


async def test_spdy_dial_failure_is_reported_on_the_error_stream():
    sent: list[bytes] = []

    async def send(data):
        sent.append(data)

    async def refuse(port):
        raise ConnectionRefusedError(111, "Connection refused")

    fwd = SpdyPortForwarder(send, refuse, "web")
    client = spdy.SpdyWriter()
    await fwd.feed(client.syn_stream(1, {"streamtype": "error", "port": "81", "requestid": "0"})
                   + client.syn_stream(3, {"streamtype": "data", "port": "81",
                                           "requestid": "0"}))
    await asyncio.sleep(0.05)
    frames = spdy.SpdyReader().feed(b"".join(sent))
    errors = [f.data for f in frames if isinstance(f, spdy.DataFrame) and f.stream_id == 1]
    assert errors and b"error forwarding port 81 to pod web" in errors[0]
    await fwd.close()


async def test_spdy_ping_is_echoed():
    sent: list[bytes] = []

    async def send(data):
        sent.append(data)

    fwd = SpdyPortForwarder(send, None, "web")
    await fwd.feed(spdy.SpdyWriter.ping(1))
    assert spdy.SpdyReader().feed(b"".join(sent)) == [spdy.Ping(1)]
