"""Relay policy: backoff schedule, operator wording of failures, the worker's stream description."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from vistterstream.backoff import backoff_delay
from vistterstream.outputs.relay import BACKOFF_MAX, Target
from vistterstream.outputs.relay_worker import describe_failure, info_from_json, info_to_json
from vistterstream.program.bus import StreamInfo


def test_backoff_grows_by_half_with_jitter_and_caps() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(n, 2.0, BACKOFF_MAX, rng=rng) for n in range(1, 16)]
    for attempt, delay in enumerate(delays, start=1):
        base = min(BACKOFF_MAX, 2.0 * 1.5 ** (attempt - 1))
        assert 0.8 * base <= delay <= 1.2 * base
    assert max(delays) <= BACKOFF_MAX * 1.2
    assert len({round(d, 3) for d in delays[-5:]}) == 5, "jitter spreads reconnects of many destinations"


@pytest.mark.parametrize(("exc", "logs", "words"), [
    (ConnectionRefusedError(111, "Connection refused"), [], "connection refused"),
    (OSError("Input/output error"), ["Failed to resolve hostname a.rtmp.example: Name or service not known"],
     "cannot be resolved"),
    (OSError("Input/output error"), ["TLS handshake failed: certificate verify failed"], "RTMPS"),
    (BrokenPipeError(32, "Broken pipe"), [], "closed the connection"),
    (OSError("Input/output error"), ["Cannot read RTMP handshake response"], "RTMP handshake"),
    (OSError("Input/output error"), ["Server error: Authentication failed"], "check the stream key"),
])
def test_failures_are_described_for_operators(exc: BaseException, logs: list[str], words: str) -> None:
    assert words in describe_failure(exc, logs)


def test_target_never_shows_its_key() -> None:
    target = Target(1, "YouTube", "youtube", "rtmp://a.rtmp.example/live2/abcd-efgh-ijkl", "abcd-efgh-ijkl")
    assert target.safe_url == "rtmp://a.rtmp.example/live2/****"
    assert "abcd" not in repr(target.safe_url)


def test_stream_info_survives_the_pipe() -> None:
    info = StreamInfo(1280, 720, 30, Fraction(1, 30), b"\x00\x00\x01\x67", 2_000_000, 48_000, 2,
                      Fraction(1, 48_000), b"\x11\x90", 128_000)
    assert info_from_json(info_to_json(info)) == info
