"""Request and response bodies. Inputs forbid unknown fields so typos fail loudly, naming the field."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
CameraType = Literal["rtsp", "rtmp", "http", "file", "test"]
Platform = Literal["youtube", "facebook", "twitch", "custom"]
Quality = Literal["low", "medium", "high"]
Anchor = Literal["top-left", "top", "top-right", "left", "center", "right", "bottom-left", "bottom", "bottom-right"]
HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$")]

URL_SCHEMES: dict[str, tuple[str, ...]] = {
    "rtsp": ("rtsp", "rtsps"),
    "rtmp": ("rtmp", "rtmps"),
    "http": ("http", "https"),
    "test": ("test",),
}


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


def check_camera_url(camera_type: str, url: str) -> str:
    """Validate a camera URL for its type; returns it unchanged or raises ValueError naming the problem."""
    url = url.strip()
    if camera_type == "file":
        path = url.removeprefix("file://")
        if not path.startswith("/"):
            raise ValueError("a file camera needs an absolute path, e.g. /var/lib/vistterstream/media/loop.mp4")
        return url
    schemes = URL_SCHEMES[camera_type]
    parts = urlsplit(url)
    if parts.scheme.lower() not in schemes:
        allowed = " or ".join(f"{s}://" for s in schemes)
        raise ValueError(f"a {camera_type} camera URL must start with {allowed}")
    if camera_type != "test" and not parts.hostname:
        raise ValueError("the URL has no host name")
    return url


# ---------------------------------------------------------------- cameras
class CameraCreate(Input):
    name: Name
    type: CameraType
    url: str = Field("", max_length=2000, validate_default=True,
                     description="Stream URL; for type test, test://?color=RRGGBB")
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _url_matches_type(cls, url: str, info: ValidationInfo) -> str:
        camera_type = info.data.get("type")
        if camera_type is None:  # the type itself is invalid; that error names `type`
            return url
        if camera_type == "test" and not url:
            url = "test://"
        return check_camera_url(camera_type, url)


class CameraUpdate(Input):
    name: Name | None = None
    type: CameraType | None = None
    url: str | None = Field(None, max_length=2000)
    enabled: bool | None = None


class CameraOut(BaseModel):
    id: int
    name: str
    type: CameraType
    url: str = Field(description="With any password or token masked.")
    enabled: bool
    created_at: datetime
    updated_at: datetime


# ---------------------------------------------------------------- destinations
class DestinationCreate(Input):
    name: Name
    platform: Platform
    rtmp_url: str | None = Field(None, max_length=2000, description="Defaults to the platform's ingest URL.")
    stream_key: str | None = Field(None, max_length=500, description="Write-only; stored encrypted.")
    is_active: bool = True

    @field_validator("rtmp_url")
    @classmethod
    def _rtmp_scheme(cls, value: str | None) -> str | None:
        return check_rtmp_url(value) if value else None

    @field_validator("stream_key")
    @classmethod
    def _key_chars(cls, value: str | None) -> str | None:
        return check_stream_key(value) if value is not None else None


class DestinationUpdate(Input):
    name: Name | None = None
    platform: Platform | None = None
    rtmp_url: str | None = Field(None, max_length=2000)
    stream_key: str | None = Field(None, max_length=500, description="Omit to keep the stored key.")
    is_active: bool | None = None

    @field_validator("rtmp_url")
    @classmethod
    def _rtmp_scheme(cls, value: str | None) -> str | None:
        return check_rtmp_url(value) if value else None

    @field_validator("stream_key")
    @classmethod
    def _key_chars(cls, value: str | None) -> str | None:
        return check_stream_key(value) if value is not None else None


def check_rtmp_url(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("rtmp", "rtmps"):
        raise ValueError("must start with rtmp:// or rtmps://")
    if not parts.hostname:
        raise ValueError("has no host name")
    return value


def check_stream_key(value: str) -> str:
    value = value.strip()
    if any(c.isspace() for c in value) or "/" in value.strip("/"):
        raise ValueError("a stream key cannot contain spaces or slashes; paste only the key")
    return value


class DestinationOut(BaseModel):
    id: int
    name: str
    platform: Platform
    rtmp_url: str
    stream_key_masked: str | None = Field(description="`••••` plus the last four characters, or null.")
    has_stream_key: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime


class PlatformPreset(BaseModel):
    platform: Platform
    label: str
    rtmp_url: str
    key_help: str


# ---------------------------------------------------------------- timelines
class CameraCue(Input):
    action: Literal["show_camera"]
    camera_id: int = Field(gt=0)
    duration: float = Field(gt=0, le=86400, description="Seconds this shot stays on air.")
    transition: Literal["cut", "fade"] = "cut"
    transition_duration: float = Field(0.5, ge=0, le=10, description="Fade length in seconds.")

    @model_validator(mode="after")
    def _fade_fits(self) -> CameraCue:
        if self.transition == "fade" and self.transition_duration > self.duration:
            raise ValueError("transition_duration cannot be longer than the shot's duration")
        return self


class OverlayTiming(Input):
    start: float = Field(0, ge=0, description="Seconds from the start of the timeline.")
    duration: float | None = Field(None, gt=0, description="Seconds shown; null = until the end.")


class TextParams(Input):
    text: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    position: Anchor = "bottom-left"
    size: int = Field(48, ge=8, le=300, description="Font size in pixels at 1080p.")
    color: HexColor = "#ffffff"
    background: HexColor | None = "#00000099"


class ClockParams(Input):
    format: Annotated[str, StringConstraints(min_length=1, max_length=40)] = "%H:%M:%S"
    position: Anchor = "top-right"
    size: int = Field(40, ge=8, le=300)
    color: HexColor = "#ffffff"
    background: HexColor | None = "#00000099"


class ImageParams(Input):
    path: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    position: Anchor = "top-left"
    width: int | None = Field(None, ge=8, le=3840, description="Scaled width in pixels at 1080p.")
    opacity: float = Field(1.0, ge=0, le=1)

    @field_validator("path")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not Path(value).is_absolute():
            raise ValueError("must be an absolute path to a PNG or JPEG file")
        return value


class TextCue(OverlayTiming):
    action: Literal["text"]
    params: TextParams


class ClockCue(OverlayTiming):
    action: Literal["clock"]
    params: ClockParams = ClockParams()


class ImageCue(OverlayTiming):
    action: Literal["image"]
    params: ImageParams


CueIn = Annotated[CameraCue | TextCue | ClockCue | ImageCue, Field(discriminator="action")]


class TimelineFields(Input):
    width: int = Field(1920, ge=320, le=3840, multiple_of=2)
    height: int = Field(1080, ge=240, le=2160, multiple_of=2)
    fps: int = Field(30, ge=10, le=60)
    quality: Quality = "medium"
    loop: bool = True


class TimelineCreate(TimelineFields):
    name: Name
    cues: list[CueIn] = Field(default_factory=list, max_length=500)


class TimelineUpdate(Input):
    name: Name | None = None
    width: int | None = Field(None, ge=320, le=3840, multiple_of=2)
    height: int | None = Field(None, ge=240, le=2160, multiple_of=2)
    fps: int | None = Field(None, ge=10, le=60)
    quality: Quality | None = None
    loop: bool | None = None
    cues: list[CueIn] | None = Field(None, max_length=500, description="Replaces all cues when given.")


class CueOut(BaseModel):
    id: int
    position: int
    track: Literal["video", "overlay"]
    action: Literal["show_camera", "text", "clock", "image"]
    camera_id: int | None
    start: float
    duration: float | None
    transition: Literal["cut", "fade"]
    transition_duration: float
    params: dict[str, object]


class TimelineOut(BaseModel):
    id: int
    name: str
    width: int
    height: int
    fps: int
    quality: Quality
    loop: bool
    duration: float = Field(description="Length of one pass through the video cues, in seconds.")
    cues: list[CueOut]
    created_at: datetime
    updated_at: datetime


# ---------------------------------------------------------------- errors
class ErrorOut(BaseModel):
    detail: str | list[dict[str, object]]
    message: str | None = None


# ---------------------------------------------------------------- preview / go-live
DestinationIds = Annotated[list[Annotated[int, Field(gt=0)]], Field(min_length=1, max_length=20)]


class PreviewStart(Input):
    timeline_id: int = Field(gt=0)


class GoLive(Input):
    destination_ids: DestinationIds


class DestinationChange(Input):
    add: list[Annotated[int, Field(gt=0)]] = Field(default_factory=list, max_length=20)
    remove: list[Annotated[int, Field(gt=0)]] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _something(self) -> DestinationChange:
        if not self.add and not self.remove:
            raise ValueError("give destination ids to `add` or to `remove`")
        if set(self.add) & set(self.remove):
            raise ValueError("a destination cannot be added and removed at once")
        return self


class PreviewStarted(BaseModel):
    message: str
    timeline_id: int
    timeline_name: str
    hls_url: str
    mode: Literal["preview"]


class PreviewStopped(BaseModel):
    message: str
    timeline_id: int | None


class DestinationFailure(BaseModel):
    destination_id: int
    name: str
    error: str


class WentLive(BaseModel):
    message: str
    timeline_id: int | None
    destinations: list[str] = Field(description="Names of the destinations now receiving the program.")
    mode: Literal["live"]
    failures: list[DestinationFailure] = Field(description="Destinations that could not connect (left out).")


class ModeChanged(BaseModel):
    message: str
    mode: str
    destinations: list[str] = Field(default_factory=list)
    failures: list[DestinationFailure] = Field(default_factory=list)


class DestinationStatus(BaseModel):
    destination_id: int
    name: str
    platform: str
    url: str = Field(description="Ingest URL with the stream key masked.")
    state: Literal["connecting", "live", "retrying", "failed", "stopped"]
    bytes_sent: int
    bitrate: int = Field(description="bit/s over the last few seconds")
    reconnects: int
    last_error: str | None
    connected_at: float | None
    next_retry_in: float | None
    dropped_gops: int


class PreviewStatus(BaseModel):
    is_active: bool
    mode: Literal["idle", "preview", "live"]
    timeline_id: int | None
    timeline_name: str | None
    hls_url: str | None = Field(description="Kept while live: the monitor keeps playing.")
    server_healthy: bool
    position: float | None = Field(description="Timeline playhead, seconds into the current loop.")
    duration: float | None
    started_at: float | None
    live_since: float | None
    busy: bool = Field(description="A command is being carried out.")
    destinations: list[DestinationStatus]
    program: dict[str, object] | None = Field(description="Engine figures: fps, drops, per-source state.")
    preview: dict[str, object] | None


class PreviewHealth(BaseModel):
    status: Literal["healthy", "unhealthy"]
    active_streams: list[dict[str, object]]
    detail: str | None = None


class PreviewEventOut(BaseModel):
    id: int
    event_type: str
    timeline_id: int | None
    destination_ids: list[int]
    created_at: datetime
    created_by: str | None
    detail: str | None
