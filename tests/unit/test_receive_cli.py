"""`vistterstream receive` refuses bad input with one clear line (exit 2), before listening."""

from __future__ import annotations

import pytest

from vistterstream.cli import main


@pytest.mark.parametrize(("args", "words"), [
    (["--listen", "http://127.0.0.1:1936/live/x"], "must start with rtmp:// or rtmps://"),
    (["--listen", "rtmps://127.0.0.1:1937/live/x"], "needs --cert and --key"),
    (["--listen", "rtmps://127.0.0.1:1937/live/x", "--cert", "/nope.pem", "--key", "/nope.key"], "does not exist"),
])
def test_bad_listen_arguments(args: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["receive", *args]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1
