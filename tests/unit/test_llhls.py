"""The LL-HLS playlist built from the muxer's parts: keyframe probe, segment grouping and numbering, blocking."""

from __future__ import annotations

from pathlib import Path

import pytest

from vistterstream.outputs.llhls import PartPlaylist, starts_with_keyframe


def ts_part(keyframe: bool) -> bytes:
    """PAT-like filler, an audio PES start, then a video PES start with (or without) the random access flag."""
    filler = bytes([0x47, 0x40, 0x00, 0x10]) + bytes(184)
    audio = bytes([0x47, 0x41, 0x01, 0x10, 0x00, 0x00, 0x01, 0xC0]) + bytes(180)
    video = bytes([0x47, 0x41, 0x00, 0x30, 0x01, 0x40 if keyframe else 0x00, 0x00, 0x00, 0x01, 0xE0]) + bytes(178)
    return filler + audio + video


def muxer_playlist(first: int, count: int) -> str:
    entries = "".join(f"#EXTINF:0.250000,\npart{n:06d}.ts\n" for n in range(first, first + count))
    return f"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:0\n#EXT-X-MEDIA-SEQUENCE:{first}\n{entries}"


class Muxer:
    """Writes parts (a keyframe every fourth, from `offset`) and the muxer's playlist the way FFmpeg does."""

    def __init__(self, directory: Path, offset: int = 0) -> None:
        self.directory, self.offset = directory, offset
        self.playlist = directory / "parts.m3u8"

    def write(self, first: int, count: int) -> None:
        for n in range(first, first + count):
            (self.directory / f"part{n:06d}.ts").write_bytes(ts_part((n - self.offset) % 4 == 0))
        for old in self.directory.glob("part*.ts"):
            if int(old.stem[4:]) < first:
                old.unlink()
        tmp = self.directory / "parts.m3u8.tmp"
        tmp.write_text(muxer_playlist(first, count))
        tmp.replace(self.playlist)


def test_the_keyframe_probe_reads_the_first_video_packet() -> None:
    assert starts_with_keyframe(ts_part(True)) is True
    assert starts_with_keyframe(ts_part(False)) is False
    assert starts_with_keyframe(ts_part(True)[:376]) is None  # no video packet in it
    assert starts_with_keyframe(b"not a transport stream" * 20) is None


def test_parts_become_segments_with_stable_numbers(tmp_path: Path) -> None:
    muxer, playlist = Muxer(tmp_path, offset=2), PartPlaylist(tmp_path)
    assert playlist.snapshot(muxer.playlist, 0) is None  # nothing written yet
    muxer.write(0, 11)  # parts 0-1 precede the first keyframe; 2-5 and 6-9 are whole; 10 is in progress
    first = playlist.snapshot(muxer.playlist, 3)
    assert first is not None and first.complete_through == 1 and first.newest == (2, 0)
    assert "part000000.ts" not in first.text and "#EXT-X-MEDIA-SEQUENCE:0\n" in first.text
    assert "#EXTINF:1.000,\nseg000000.ts\n" in first.text and "#EXTINF:1.000,\nseg000001.ts\n" in first.text
    assert '#EXT-X-PART:DURATION=0.250,URI="part000010.ts",INDEPENDENT=YES\n' in first.text
    assert "seg000002.ts" not in first.text  # still being written
    assert "#EXT-X-TARGETDURATION:1\n" in first.text and "#EXT-X-PART-INF:PART-TARGET=0.250\n" in first.text
    assert [f.name for f in playlist.segment_files(1) or []] == [f"part{n:06d}.ts" for n in range(6, 10)]

    muxer.write(6, 9)  # the oldest parts deleted, two more written: numbers do not move
    later = playlist.snapshot(muxer.playlist, 4)
    assert later is not None and later.complete_through == 2 and later.newest == (3, 0)
    assert "#EXT-X-MEDIA-SEQUENCE:1\n" in later.text and "seg000002.ts" in later.text
    assert playlist.segment_files(0) is None  # no longer listed
    assert playlist.snapshot(muxer.playlist, 4) is later  # unchanged: not parsed again


@pytest.mark.parametrize(("msn", "part", "answered"), [
    (1, None, True), (2, None, False), (2, 0, True), (1, 3, True), (2, 1, False), (3, 0, False)])
def test_blocking_requests_are_answered_once_the_segment_or_part_exists(
        tmp_path: Path, msn: int, part: int | None, answered: bool) -> None:
    muxer, playlist = Muxer(tmp_path), PartPlaylist(tmp_path)
    muxer.write(0, 9)  # segments 0 and 1 whole, segment 2 has its first part
    snapshot = playlist.snapshot(muxer.playlist, 3)
    assert snapshot is not None and snapshot.satisfies(msn, part) is answered
    assert not snapshot.too_far(4) and snapshot.too_far(5)


def test_a_segment_is_complete_as_soon_as_the_next_keyframe_is_muxed(tmp_path: Path) -> None:
    """The keyframe that ends segment 0 is muxed before the part it starts is written and listed."""
    muxer, playlist = Muxer(tmp_path), PartPlaylist(tmp_path)
    muxer.write(0, 4)  # segment 0's four parts; the muxer has just been handed the second keyframe
    waiting = playlist.snapshot(muxer.playlist, 1)
    assert waiting is not None and waiting.complete_through == -1 and "seg000000.ts" not in waiting.text
    closed = playlist.snapshot(muxer.playlist, 2)
    assert closed is not None and closed.complete_through == 0 and "#EXTINF:1.000,\nseg000000.ts\n" in closed.text
    assert closed.newest == (0, 3) and not closed.satisfies(1, 0)
    miscounted = playlist.snapshot(muxer.playlist, 5)  # counts that disagree never close a growing segment
    assert miscounted is not None and miscounted.complete_through == -1


def test_a_segment_is_not_closed_before_its_last_part_is_listed_and_never_changes_once_served(
        tmp_path: Path) -> None:
    muxer, playlist = Muxer(tmp_path), PartPlaylist(tmp_path)
    muxer.write(0, 3)  # the next keyframe is muxed, but the muxer still holds it: three parts listed
    early = playlist.snapshot(muxer.playlist, 2)
    assert early is not None and early.complete_through == -1
    muxer.write(0, 4)
    served = playlist.snapshot(muxer.playlist, 2)
    assert served is not None and served.complete_through == 0
    muxer.write(0, 5)
    (tmp_path / "part000004.ts").write_bytes(ts_part(False))  # a keyframe the probe misses: must not extend it
    playlist.snapshot(muxer.playlist, 2)
    assert [f.name for f in playlist.segment_files(0) or []] == [f"part{n:06d}.ts" for n in range(4)]
