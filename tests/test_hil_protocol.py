"""The HIL protocol without an emulator: framing units, then the real device C (tl_protocol.c
with ASan/UBSan and a TCP test HAL) against the real host DUT, over clean and faulty links."""
from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hil import protocol as P
from hil.dut import Dut
from hil.link import LinkError, SocketLink, open_link
from hil.proxy import FaultModel, LinkProxy
from tests.hil_support import HostDevice, build_host_device, toy_expected, toy_inputs


# ---- framing ----
@given(st.binary(max_size=1200))
@settings(max_examples=300, deadline=None)
def test_cobs_round_trip_and_no_zero_inside(data):
    encoded = P.cobs_encode(data)
    assert 0 not in encoded
    assert P.cobs_decode(encoded) == data
    assert len(encoded) <= len(data) + len(data) // 254 + 1


def test_cobs_known_vectors():
    assert P.cobs_encode(b"") == b"\x01"
    assert P.cobs_encode(b"\x00") == b"\x01\x01"
    assert P.cobs_encode(b"\x11\x22\x00\x33") == b"\x03\x11\x22\x02\x33"
    assert P.cobs_encode(bytes(range(1, 255))) == b"\xff" + bytes(range(1, 255)) + b"\x01"


def test_frame_layout_is_type_seq_payload_crc():
    wire = P.encode_frame(P.RUN, 0x1234, b"\x01\x02\x03\x04")
    raw = P.cobs_decode(wire[:-1])
    assert wire[-1] == 0
    assert raw[:3] == b"\x03\x34\x12" and raw[3:7] == b"\x01\x02\x03\x04"
    assert struct.unpack("<I", raw[7:])[0] == zlib.crc32(raw[:7])
    assert P.decode_frame(wire[:-1]) == P.Frame(P.RUN, 0x1234, b"\x01\x02\x03\x04")


@pytest.mark.parametrize("position", range(0, 12))
def test_every_single_bit_flip_is_rejected(position):
    wire = bytearray(P.encode_frame(P.LOAD, 7, b"abcdefgh")[:-1])
    for bit in range(8):
        damaged = bytearray(wire)
        damaged[position % len(damaged)] ^= 1 << bit
        if 0 in damaged:
            continue  # a flip to 0x00 splits the frame; the decoder sees two pieces (tested below)
        with pytest.raises(P.ProtocolError):
            P.decode_frame(bytes(damaged))


def test_garbled_frames_give_clean_errors():
    for garbage, reason in [(b"\x05ab", "not enough input bytes"), (b"\x02a\x00", "zero byte found"), (b"\x02a", "shorter")]:
        with pytest.raises(P.ProtocolError, match=reason):
            P.decode_frame(garbage)
    with pytest.raises(P.ProtocolError, match="CRC"):
        P.decode_frame(P.cobs_encode(b"\x81\x00\x00hello\x00\x00\x00\x00"))


def test_decoder_resyncs_after_boot_text_and_noise():
    decoder = P.FrameDecoder()
    good = P.encode_frame(P.ACK, 5, struct.pack("<IBIH", 9, 0, 0, 256))
    stream = b"TL-IDENTITY board=x\r\nTL-SELFTEST PASS 1 cycles\r\n\x00" + b"\x07\xff\x13" + b"\x00" + good + good[:5]
    frames = decoder.feed(stream[:17]) + decoder.feed(stream[17:])
    assert frames == [P.Frame(P.ACK, 5, struct.pack("<IBIH", 9, 0, 0, 256))]
    assert decoder.bad_frames == 1  # the noise; the boot text is text, not a bad frame
    assert b"TL-SELFTEST PASS 1 cycles" in bytes(decoder.text)
    assert decoder.feed(good[5:]) == frames  # the split frame completes


def test_truncated_payloads_name_the_message():
    with pytest.raises(P.ProtocolError, match="RESULT"):
        P.parse_result(b"\x01\x02")
    with pytest.raises(P.ProtocolError, match="ACK"):
        P.parse_ack(struct.pack("<IBIH", 1, 0, 0, 5) + b"x")
    with pytest.raises(P.ProtocolError, match="version"):
        P.parse_identity(b"\x09" + bytes(40))


# ---- the device C on the host ----
@pytest.fixture(scope="session")
def host_device_binary(tmp_path_factory):
    return build_host_device(tmp_path_factory.mktemp("hil_host"))


@pytest.fixture
def host_device(host_device_binary):
    device = HostDevice(host_device_binary)
    yield device
    device.stop()


def _raw_exchange(link, frame_type, seq, payload, decoder):
    link.write(P.encode_frame(frame_type, seq, payload))
    while True:
        for frame in decoder.feed(link.read(5.0)):
            if frame.seq == seq:
                return frame


def test_identity_and_inference_match_the_model(host_device):
    dut = Dut(open_link(host_device.url))
    assert dut.expect_line(r"host-test boot").group(0) == "host-test boot"
    identity = dut.identity()
    assert (identity.board, identity.model_hash, identity.counter_unit) == ("host", "0123456789abcdef", "microseconds")
    assert [(t.dtype, t.shape, t.bytes) for t in identity.inputs] == [("int8", (1, 300), 300), ("int16", (2, 3), 12)]
    assert [(t.dtype, t.shape, t.bytes) for t in identity.outputs] == [("int8", (1, 600), 600), ("int32", (1,), 4)]
    assert identity.inputs[0].scale == 0.5 and identity.inputs[0].zero_point == -3
    rng = np.random.default_rng(3)
    for _ in range(20):
        inputs = toy_inputs(rng)
        result = dut.infer(inputs)
        for got, want in zip(result.outputs, toy_expected(inputs)):
            np.testing.assert_array_equal(got, want)
    # 2 LOAD chunks (256 + 44) + 1 LOAD (12) + RUN, then 2 READs for a 604-byte result
    assert dut.stats.retransmits == 0 and dut.stats.inferences == 20
    dut.close()
    code, err = host_device.finish()
    assert code == 0 and b"ERROR" not in err, err


def test_run_is_idempotent_and_replays_the_cached_result(host_device):
    link = open_link(host_device.url)
    decoder = P.FrameDecoder()
    request = 77
    data = bytes(range(256)) + bytes(44)
    for offset in (0, 256):
        ack = _raw_exchange(link, P.LOAD, 1 + offset, P.load_payload(request, 0, offset, data[offset:offset + 256]), decoder)
        assert P.parse_ack(ack.payload) == P.Ack(request, 0, offset, min(256, 300 - offset))
    assert P.parse_ack(_raw_exchange(link, P.LOAD, 3, P.load_payload(request, 1, 0, bytes(12)), decoder).payload).length == 12
    first = P.parse_result(_raw_exchange(link, P.RUN, 4, P.run_payload(request), decoder).payload)
    again = P.parse_result(_raw_exchange(link, P.RUN, 5, P.run_payload(request), decoder).payload)
    assert not first.replayed and again.replayed
    assert (again.counter, again.data, again.total) == (first.counter, first.data, 604)
    # the model clobbered its inputs (as an arena does): a new request must load again
    err = P.parse_error(_raw_exchange(link, P.RUN, 6, P.run_payload(request + 1), decoder).payload)
    assert (err.code, err.request) == (P.ERR_NOT_LOADED, request + 1)
    link.close()


@pytest.mark.parametrize("frame_type, payload, code", [
    (P.LOAD, P.load_payload(5, 2, 0, b"x"), P.ERR_BAD_TENSOR),
    (P.LOAD, P.load_payload(5, 0, 100, b"x"), P.ERR_BAD_OFFSET),
    (P.LOAD, P.load_payload(5, 0, 0, b"short"), P.ERR_BAD_OFFSET),
    (P.LOAD, b"\x01\x02", P.ERR_BAD_LENGTH),
    (P.RUN, b"\x01", P.ERR_BAD_LENGTH),
    (P.RUN, P.run_payload(0), P.ERR_NOT_LOADED),
    (P.READ, P.read_payload(5, 0), P.ERR_NO_RESULT),
    (0x42, b"", P.ERR_UNKNOWN_TYPE),
])
def test_malformed_requests_get_error_frames(host_device, frame_type, payload, code):
    link = open_link(host_device.url)
    answer = _raw_exchange(link, frame_type, 9, payload, P.FrameDecoder())
    assert answer.type == P.ERROR and P.parse_error(answer.payload).code == code
    link.close()


def test_garbled_and_oversized_frames_are_reported_and_survived(host_device):
    link = open_link(host_device.url)
    decoder = P.FrameDecoder()
    link.write(b"\x03\x01\x02" + b"\x00")  # CRC cannot match
    link.write(b"\xff" * 2000 + b"\x00")  # longer than the receive buffer
    link.write(b"\x09ab\x00")  # COBS block cut short by the delimiter
    errors = []
    while len(errors) < 3:
        errors += [P.parse_error(f.payload) for f in decoder.feed(link.read(5.0)) if f.type == P.ERROR]
    assert [e.code for e in errors] == [P.ERR_BAD_FRAME, P.ERR_TOO_LONG, P.ERR_BAD_FRAME]
    ident = _raw_exchange(link, P.HELLO, 10, P.hello_payload(1), decoder)  # still serving
    assert P.parse_identity(ident.payload).session == 1
    link.close()


def test_faulty_link_every_input_exactly_one_verified_result(host_device):
    """1 byte in 500 flipped and 1 in 500 dropped, both directions: all 200 results exact."""
    with LinkProxy(host_device.address, faults=FaultModel(flip_rate=0.001, drop_rate=0.001, seed=11)) as proxy:
        dut = Dut(open_link(proxy.url), response_timeout=0.2)
        rng = np.random.default_rng(5)
        requests = []
        for _ in range(200):
            inputs = toy_inputs(rng)
            result = dut.infer(inputs)
            for got, want in zip(result.outputs, toy_expected(inputs)):
                np.testing.assert_array_equal(got, want)
            requests.append(result.request)
        assert len(set(requests)) == 200
        faults = proxy.to_device.stats.flipped + proxy.to_device.stats.dropped + proxy.to_host.stats.flipped \
            + proxy.to_host.stats.dropped
        assert faults > 100 and dut.stats.retransmits > 0 and dut.stats.replays > 0
        dut.close()


def test_device_restart_mid_run_is_detected_and_inputs_resent(host_device_binary):
    first = HostDevice(host_device_binary)
    proxy = LinkProxy(first.address).start()
    devices = [first]
    try:
        dut = Dut(open_link(proxy.url), response_timeout=0.2)
        rng = np.random.default_rng(9)
        for index in range(30):
            if index in (10, 20):  # power-cycle the "board": new process, state gone
                devices[-1].stop()
                devices.append(HostDevice(host_device_binary))
                proxy.set_upstream(devices[-1].address)
            inputs = toy_inputs(rng)
            result = dut.infer(inputs)
            for got, want in zip(result.outputs, toy_expected(inputs)):
                np.testing.assert_array_equal(got, want)
        assert dut.stats.resets + dut.stats.restarts >= 2 and dut.stats.inferences == 30
        dut.close()
    finally:
        proxy.stop()
        for device in devices:
            device.stop()


def test_links_fail_cleanly():
    with pytest.raises(LinkError, match="cannot connect"):
        open_link("socket://127.0.0.1:1")
    with pytest.raises(LinkError, match="socket://HOST:PORT"):
        SocketLink("socket://nohostport")
    with pytest.raises(LinkError, match="cannot open"):
        open_link("/dev/does-not-exist-tl")


def test_a_differing_output_fails_the_run_and_its_junit_case(host_device, tmp_path):
    import xml.etree.ElementTree as ET

    from hil.report import write_junit
    from hil.runner import HilInputs, run_samples

    rng = np.random.default_rng(12)
    samples = [toy_inputs(rng) for _ in range(6)]
    inputs = HilInputs([np.stack([s[k] for s in samples]) for k in range(2)], None, "test")
    reference = [np.stack([toy_expected(s)[k] for s in samples]) for k in range(2)]
    reference[1][4, 0] += 3  # the "reference" disagrees on sample 4 by 3
    dut = Dut(open_link(host_device.url))
    report = run_samples(dut, inputs, reference, model="toy", model_hash="0123456789abcdef")
    dut.close()
    assert not report.passed and (report.lost, report.duplicated) == (0, 0)
    assert report.agreement.exact_samples == 5 and report.agreement.first_mismatch == 4
    assert report.agreement.max_abs_diff == 3.0 and report.agreement.cosine_similarity < 1.0
    assert report.latency.unit == "microseconds" and len(report.counters) == 6
    write_junit(report, tmp_path / "j.xml")
    suite = ET.parse(tmp_path / "j.xml").getroot()
    failed = [case.get("name") for case in suite if case.find("failure") is not None]
    assert failed == ["sample_00004"] and suite.get("failures") == "1"
