# The AudioSegment calls ffmpeg.py makes (pydub/audio_segment.py).
from typing import IO, ClassVar, Self

class AudioSegment:
    converter: ClassVar[str]
    channels: int
    sample_width: int
    frame_rate: int
    def __init__(self, data: bytes | None = None, *, sample_width: int = ..., frame_rate: int = ...,
                 channels: int = ...) -> None: ...
    @property
    def raw_data(self) -> bytes: ...
    @classmethod
    def from_file(cls, file: str | IO[bytes], format: str | None = None, codec: str | None = None,
                  parameters: list[str] | None = None, start_second: float | None = None,
                  duration: float | None = None) -> Self: ...
    def export(self, out_f: str | IO[bytes] | None = None, format: str = "mp3", codec: str | None = None,
               bitrate: str | None = None, parameters: list[str] | None = None, tags: dict[str, str] | None = None,
               id3v2_version: str = "4", cover: str | None = None) -> IO[bytes]: ...
    def set_channels(self, channels: int) -> AudioSegment: ...
    def set_sample_width(self, sample_width: int) -> AudioSegment: ...
