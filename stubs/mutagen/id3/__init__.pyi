# The ID3v2 tag and frames the renderer writes (mutagen.id3._file, _frames and _specs).
from collections.abc import Iterable
from os import PathLike
from typing import ClassVar

class Encoding(int):
    LATIN1: ClassVar[Encoding]
    UTF16: ClassVar[Encoding]
    UTF16BE: ClassVar[Encoding]
    UTF8: ClassVar[Encoding]

class PictureType(int):
    OTHER: ClassVar[PictureType]
    FILE_ICON: ClassVar[PictureType]
    OTHER_FILE_ICON: ClassVar[PictureType]
    COVER_FRONT: ClassVar[PictureType]
    COVER_BACK: ClassVar[PictureType]

class CTOCFlags(int):
    TOP_LEVEL: ClassVar[CTOCFlags]
    ORDERED: ClassVar[CTOCFlags]

class Frame: ...

class TextFrame(Frame):
    encoding: int
    text: list[str]
    def __init__(self, *, encoding: int = ..., text: str | list[str] = ...) -> None: ...

class TIT2(TextFrame): ...
class TPE1(TextFrame): ...
class TALB(TextFrame): ...
class TRCK(TextFrame): ...

class COMM(TextFrame):
    lang: str
    desc: str
    def __init__(self, *, encoding: int = ..., lang: str = ..., desc: str = ...,
                 text: str | list[str] = ...) -> None: ...

class APIC(Frame):
    encoding: int
    mime: str
    type: int
    desc: str
    data: bytes
    def __init__(self, *, encoding: int = ..., mime: str = ..., type: int = ..., desc: str = ...,
                 data: bytes = ...) -> None: ...

class CHAP(Frame):
    element_id: str
    start_time: int
    end_time: int
    start_offset: int
    end_offset: int
    def __init__(self, *, element_id: str = ..., start_time: int = ..., end_time: int = ...,
                 start_offset: int = ..., end_offset: int = ..., sub_frames: Iterable[Frame] = ...) -> None: ...

class CTOC(Frame):
    element_id: str
    flags: int
    child_element_ids: list[str]
    def __init__(self, *, element_id: str = ..., flags: int = ..., child_element_ids: list[str] = ...,
                 sub_frames: Iterable[Frame] = ...) -> None: ...

class ID3:
    def __init__(self, filething: str | PathLike[str] | None = None) -> None: ...
    def add(self, frame: Frame) -> None: ...
    def save(self, filething: str | PathLike[str] | None = None, v1: int = 1, v2_version: int = 4,
             v23_sep: str = "/") -> None: ...
