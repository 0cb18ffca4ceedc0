"""The playlist as served to players: valid target duration, blocking reload announced, last segment number."""

from __future__ import annotations

from vistterstream.outputs.hls import LivePlaylist

MUXER_PLAYLIST = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-ALLOW-CACHE:NO
#EXT-X-TARGETDURATION:0
#EXT-X-MEDIA-SEQUENCE:41
#EXTINF:0.500000,
seg000041.ts
#EXTINF:0.500000,
seg000042.ts
"""


def test_half_second_segments_get_a_valid_target_duration_and_blocking_reload() -> None:
    playlist = LivePlaylist(MUXER_PLAYLIST)
    assert playlist.last_sequence == 42 and playlist.segments == 2
    assert "#EXT-X-TARGETDURATION:1\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES\n#EXT-X-MEDIA-SEQUENCE:41" \
        in playlist.text
    assert playlist.text.count("#EXT-X-TARGETDURATION") == 1
    assert playlist.text.endswith("seg000042.ts\n")


def test_longer_segments_keep_their_rounded_up_target_duration() -> None:
    playlist = LivePlaylist(MUXER_PLAYLIST.replace("TARGETDURATION:0", "TARGETDURATION:2.4"))
    assert "#EXT-X-TARGETDURATION:3\n" in playlist.text


def test_a_playlist_without_segments_yet_ends_before_its_first_number() -> None:
    playlist = LivePlaylist("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n")
    assert playlist.segments == 0 and playlist.last_sequence == -1
