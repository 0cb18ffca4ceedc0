"""Camera → reader."""

from __future__ import annotations

from dataclasses import dataclass

from vistterstream.sources.av_reader import AvSource
from vistterstream.sources.base import SourceReader
from vistterstream.sources.test_pattern import TestPatternSource


@dataclass(frozen=True)
class CameraSpec:
    id: int
    name: str
    type: str
    url: str


def create_reader(camera: CameraSpec) -> SourceReader:
    if camera.type == "test":
        return TestPatternSource(camera.id, camera.name, camera.url)
    return AvSource(camera.id, camera.name, camera.url, camera.type)
