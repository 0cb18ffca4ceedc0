"""The preview playlist as LL-HLS, built from the muxer's quarter-second parts.

FFmpeg's HLS muxer cuts the program every 0.25 s (`split_by_time`), so only every fourth file starts at a
keyframe (the GOP stays 1 s, as the live platforms want). Served as plain segments, a player that joins on
a file without a keyframe never settles. Served as LL-HLS, each file is a *part* (`EXT-X-PART`, marked
`INDEPENDENT=YES` when it starts at a keyframe) and the parts from one keyframe to the next form a 1 s
segment (the parts' bytes concatenated): players start on an independent part, then follow the live edge
a quarter second at a time with blocking playlist reload (`_HLS_msn` / `_HLS_part`).
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from pathlib import Path

PART_TEMPLATE = "part%06d.ts"
PART_SECONDS = 0.25
GOP_SECONDS = 1.0  # the encoder puts a keyframe on every whole program second
LISTED_SEGMENTS = 6
SEGMENTS_WITH_PARTS = 3  # parts are listed for the newest segments only, as LL-HLS asks
_MUXER_ENTRY = re.compile(r"^#EXTINF:([\d.]+),[^\n]*\n(part(\d+)\.ts)$", re.MULTILINE)
_PROBE_BYTES = 64 * 1024
_TS_PACKET = 188


def starts_with_keyframe(data: bytes) -> bool | None:
    """Whether the first video PES in this MPEG-TS data starts at a keyframe (the adaptation field's random
    access indicator, which FFmpeg sets on keyframes); None when no video PES starts in it."""
    for offset in range(0, len(data) - _TS_PACKET + 1, _TS_PACKET):
        packet = data[offset:offset + _TS_PACKET]
        if packet[0] != 0x47:
            return None
        control = (packet[3] >> 4) & 0x3
        flags, payload = 0, 4
        if control & 0x2:  # an adaptation field
            length = packet[4]
            flags, payload = (packet[5] if length else 0), 5 + length
        if packet[1] & 0x40 and control & 0x1 and packet[payload:payload + 3] == b"\x00\x00\x01" \
                and 0xE0 <= packet[payload + 3] <= 0xEF:
            return bool(flags & 0x40)
    return None


@dataclass(frozen=True)
class Part:
    number: int
    name: str
    duration: float
    independent: bool


@dataclass(frozen=True)
class Snapshot:
    """One served playlist and where its live edge is."""

    text: str
    newest: tuple[int, int]  # (media sequence number, part index) of the newest part; (-1, -1) when none
    complete_through: int  # media sequence number of the newest complete segment; -1 when none

    def satisfies(self, msn: int, part: int | None) -> bool:
        """Whether this playlist answers a blocking request for segment `msn` (whole) or its part `part`."""
        if part is None:
            return self.complete_through >= msn
        return self.newest >= (msn, part)

    def too_far(self, msn: int) -> bool:
        return msn > self.newest[0] + 2


class PartPlaylist:
    """Turns the muxer's part list into the served LL-HLS playlist. Segment numbers are assigned once, in
    order, and never change for the run, so a player's `_HLS_msn` keeps its meaning across reloads."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._independent: dict[int, bool] = {}
        self._sequence_of: dict[int, int] = {}  # first part number of a segment → its media sequence number
        self._next_sequence = 0
        self._segments: dict[int, list[Part]] = {}
        self._seen: tuple[int, int, int, int] | None = None
        self._latest: Snapshot | None = None

    def snapshot(self, muxer_playlist: Path, keyframes: int) -> Snapshot | None:
        """The served playlist now (None until the muxer has written its own), given how many keyframes the
        muxer has been handed: the segment before the newest keyframe is complete as soon as that keyframe
        is muxed, before the part it starts is listed. Cheap to call often: the muxer's playlist is parsed
        again only when it was replaced."""
        with self._lock:
            try:
                info = muxer_playlist.stat()  # the muxer renames a new file into place: a new inode each time
                key = (info.st_ino, info.st_mtime_ns, info.st_size, keyframes)
                if key != self._seen:
                    groups = self._group(self._parts(muxer_playlist.read_text()))
                    # Only when the counts agree exactly and the parts listed span a whole GOP: the muxer may
                    # still hold the keyframe (it interleaves), and a segment must never grow once served.
                    closed = bool(groups) and groups[-1][0] == keyframes - 2 \
                        and sum(part.duration for part in groups[-1][1]) >= GOP_SECONDS - PART_SECONDS / 2
                    self._latest, self._seen = self._render(groups, closed), key
            except FileNotFoundError:
                pass
            return self._latest

    def segment_files(self, msn: int) -> list[Path] | None:
        """The part files a complete segment is made of, or None if it is unknown or no longer listed."""
        with self._lock:
            parts = self._segments.get(msn)
        return [self.directory / part.name for part in parts] if parts else None

    def _parts(self, muxer_playlist: str) -> list[Part]:
        parts = []
        for duration, name, number in _MUXER_ENTRY.findall(muxer_playlist):
            index = int(number)
            if index not in self._independent:
                try:
                    with (self.directory / name).open("rb") as file:
                        self._independent[index] = bool(starts_with_keyframe(file.read(_PROBE_BYTES)))
                except FileNotFoundError:
                    continue  # deleted meanwhile: only the oldest parts go
            parts.append(Part(index, name, float(duration), self._independent[index]))
        if parts:  # forget parts the muxer has deleted
            self._independent = {k: v for k, v in self._independent.items() if k >= parts[0].number}
        return parts

    def _group(self, parts: list[Part]) -> list[tuple[int, list[Part]]]:
        """Segments as (media sequence number, parts), each from one independent part to the next; parts
        before the first independent one cannot start a player and are left out."""
        groups: list[tuple[int, list[Part]]] = []
        for part in parts:
            if part.independent:
                if part.number not in self._sequence_of:
                    self._sequence_of[part.number] = self._next_sequence
                    self._next_sequence += 1
                groups.append((self._sequence_of[part.number], [part]))
            elif groups:
                groups[-1][1].append(part)
        if groups:
            self._sequence_of = {number: msn for number, msn in self._sequence_of.items() if msn >= groups[0][0]}
        return groups

    def _render(self, groups: list[tuple[int, list[Part]]], closed: bool) -> Snapshot:
        """Unless `closed`, the last segment is still being written: its parts are listed, not the segment."""
        # A segment once served never changes: its parts are frozen when it is first listed.
        complete = [(msn, self._segments.get(msn, parts))
                    for msn, parts in (groups if closed else groups[:-1])[-LISTED_SEGMENTS:]]
        in_progress = [] if closed else groups[-1:]
        self._segments = dict(complete)
        listed = complete + in_progress
        durations = [part.duration for _, parts in listed for part in parts]
        part_target = max([PART_SECONDS, *(math.ceil(d * 1000) / 1000 for d in durations)])
        target = max([1, *(math.floor(sum(p.duration for p in parts) + 0.5) for _, parts in complete)])
        lines = ["#EXTM3U", "#EXT-X-VERSION:6", f"#EXT-X-TARGETDURATION:{target}",
                 f"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK={3 * part_target:.3f}",
                 f"#EXT-X-PART-INF:PART-TARGET={part_target:.3f}",
                 f"#EXT-X-MEDIA-SEQUENCE:{listed[0][0] if listed else 0}", "#EXT-X-INDEPENDENT-SEGMENTS"]
        for position, (msn, parts) in enumerate(listed):
            if position >= len(listed) - SEGMENTS_WITH_PARTS - 1:
                lines += [f'#EXT-X-PART:DURATION={part.duration:.3f},URI="{part.name}"'
                          + (",INDEPENDENT=YES" if part.independent else "") for part in parts]
            if position < len(complete):
                lines += [f"#EXTINF:{sum(part.duration for part in parts):.3f},", f"seg{msn:06d}.ts"]
        newest = (groups[-1][0], len(groups[-1][1]) - 1) if groups else (-1, -1)
        return Snapshot("\n".join(lines) + "\n", newest, complete[-1][0] if complete else -1)
