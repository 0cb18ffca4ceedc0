import logging

import pytest

from vistterstream.redact import RedactingFilter, key_hint, masked_key, redact, redact_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("rtsp://admin:hunter22@10.0.0.5:554/stream1", "rtsp://admin:****@10.0.0.5:554/stream1"),
        ("rtsp://token@cam.local/live", "rtsp://****@cam.local/live"),
        ("rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop", "rtmp://a.rtmp.youtube.com/live2/****"),
        ("rtmps://live-api-s.facebook.com:443/rtmp/FB-123-secret", "rtmps://live-api-s.facebook.com:443/rtmp/****"),
        ("rtmp://live.twitch.tv/app", "rtmp://live.twitch.tv/app"),
        ("https://cam.example/video.m3u8?token=s3cret&q=1", "https://cam.example/video.m3u8?token=****&q=1"),
        ("test://?color=1f5fa8", "test://?color=1f5fa8"),
        ("http://cam.local/mjpeg", "http://cam.local/mjpeg"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_redact_text_finds_urls_and_literal_secrets() -> None:
    text = "relay to rtmp://x.tv/app/live_123456789 failed: key live_123456789 refused"
    out = redact(text, secrets=["live_123456789"])
    assert "live_123456789" not in out
    assert "rtmp://x.tv/app/****" in out


def test_key_hint_and_mask() -> None:
    assert key_hint("abcd-efgh-ijkl-mnop") == "mnop"
    assert key_hint("short") is None
    assert masked_key("mnop") == "••••mnop"
    assert masked_key(None) == "••••"


def test_logging_filter_redacts_formatted_message() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "pushing to %s", ("rtmp://h/app/SECRETKEY",), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "pushing to rtmp://h/app/****"
