"""SPDY/3 framing and header compression used by port-forward (kubelet/server/spdy.py)."""
from __future__ import annotations

import random
import struct
import zlib

import pytest

from kubelet.server import spdy

pytestmark = pytest.mark.unit


def test_dictionary_is_the_spdy3_one():
    assert len(spdy.DICTIONARY) == 1423
    assert zlib.adler32(spdy.DICTIONARY) == 0xE3C6A7C2
    assert spdy.DICTIONARY.startswith(b"\x00\x00\x00\x07options\x00\x00\x00\x04head")
    assert spdy.DICTIONARY.endswith(b",*,enq=0.")


def test_header_block_packs_counts_and_lengths_as_u32():
    block = spdy.pack_headers({"streamtype": "data", "port": "80"})
    assert block[:4] == struct.pack(">I", 2)
    assert block[4:8] == struct.pack(">I", len("streamtype"))
    assert spdy.unpack_headers(block) == {"streamtype": "data", "port": "80"}


def test_frames_round_trip_through_writer_and_reader():
    w, r = spdy.SpdyWriter(), spdy.SpdyReader()
    wire = b"".join([
        w.syn_stream(1, {"streamtype": "error", "port": "80", "requestid": "0"}),
        w.data(1, b"", fin=True),
        w.syn_stream(3, {"streamtype": "data", "port": "80", "requestid": "0"}, priority=2),
        w.data(3, b"hello"),
        w.syn_reply(3),
        w.ping(7), w.rst_stream(3, spdy.CANCEL), w.window_update(3, 1000),
        w.settings([(0, 4, 100)]), w.goaway(5, 0),
    ])
    frames = r.feed(wire)
    assert frames[0] == spdy.SynStream(1, {"streamtype": "error", "port": "80",
                                           "requestid": "0"})
    assert frames[1] == spdy.DataFrame(1, b"", spdy.FLAG_FIN) and frames[1].fin
    assert frames[2].headers["streamtype"] == "data" and frames[2].priority == 2
    assert frames[3] == spdy.DataFrame(3, b"hello", 0)
    assert frames[4] == spdy.SynReply(3, {})
    assert frames[5:] == [spdy.Ping(7), spdy.RstStream(3, spdy.CANCEL),
                          spdy.WindowUpdate(3, 1000), spdy.Settings([(0, 4, 100)]),
                          spdy.GoAway(5, 0)]


@pytest.mark.parametrize("seed", range(5))
def test_frames_split_at_arbitrary_boundaries(seed):
    w = spdy.SpdyWriter()
    wire = b"".join(w.syn_stream(i, {"streamtype": "data", "port": str(i), "requestid": str(i)})
                    + w.data(i, bytes([i]) * (i * 100)) for i in range(1, 40, 2))
    rnd, r, frames, pos = random.Random(seed), spdy.SpdyReader(), [], 0
    while pos < len(wire):
        step = rnd.randint(1, 13)
        frames += r.feed(wire[pos:pos + step])
        pos += step
    syns = [f for f in frames if isinstance(f, spdy.SynStream)]
    datas = [f for f in frames if isinstance(f, spdy.DataFrame)]
    assert [s.headers["port"] for s in syns] == [str(i) for i in range(1, 40, 2)]
    assert [d.data for d in datas] == [bytes([i]) * (i * 100) for i in range(1, 40, 2)]


def test_header_compression_context_spans_frames():
    """The second block only inflates with the first one's zlib state (one stream per side)."""
    w = spdy.SpdyWriter()
    first = w.syn_stream(1, {"streamtype": "error", "port": "80"})
    second = w.syn_stream(3, {"streamtype": "data", "port": "80"})
    assert spdy.SpdyReader().feed(first + second)[1].headers["streamtype"] == "data"
    with pytest.raises(spdy.ProtocolError):
        spdy.SpdyReader().feed(second)


def test_reader_inflates_a_block_compressed_by_plain_zlib_with_the_dictionary():
    """What Go's compress/zlib writer with the dictionary produces, as kubectl sends it."""
    deflate = zlib.compressobj(zdict=spdy.DICTIONARY)
    block = deflate.compress(spdy.pack_headers({"port": "8080", "streamtype": "data"})) + \
        deflate.flush(zlib.Z_SYNC_FLUSH)
    payload = struct.pack(">IIBB", 5, 0, 0, 0) + block
    frame = struct.pack(">HHI", 0x8003, spdy.SYN_STREAM, len(payload)) + payload
    (syn,) = spdy.SpdyReader().feed(frame)
    assert syn == spdy.SynStream(5, {"port": "8080", "streamtype": "data"})


def test_large_data_is_chunked_with_fin_on_the_last_frame():
    data = bytes(range(256)) * 300          # 76800 bytes > one DATA_CHUNK
    frames = spdy.SpdyReader().feed(spdy.SpdyWriter.data(9, data, fin=True))
    assert len(frames) == 3
    assert b"".join(f.data for f in frames) == data
    assert [f.fin for f in frames] == [False, False, True]


def test_wrong_version_is_a_protocol_error():
    frame = struct.pack(">HHI", 0x8002, spdy.PING, 4) + b"\0\0\0\1"
    with pytest.raises(spdy.ProtocolError):
        spdy.SpdyReader().feed(frame)


def test_unknown_control_frames_are_kept_not_fatal():
    frame = struct.pack(">HHI", 0x8003, 42, 3) + b"abc"
    assert spdy.SpdyReader().feed(frame) == [spdy.UnknownControl(42, 0, b"abc")]
