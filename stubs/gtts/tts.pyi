# The client the gTTS engine subclasses (gtts/tts.py).
from collections.abc import Callable, Iterator
from typing import IO

from requests import PreparedRequest, Response

class gTTS:
    text: str
    tld: str
    lang: str
    lang_check: bool
    timeout: float | tuple[float, float] | None
    def __init__(self, text: str, tld: str = "com", lang: str = "en", slow: bool = False, lang_check: bool = True,
                 pre_processor_funcs: list[Callable[[str], str]] = ...,
                 tokenizer_func: Callable[[str], list[str]] = ...,
                 timeout: float | tuple[float, float] | None = None) -> None: ...
    def _prepare_requests(self) -> list[PreparedRequest]: ...
    def stream(self) -> Iterator[bytes]: ...
    def write_to_fp(self, fp: IO[bytes]) -> None: ...
    def save(self, savefile: str) -> None: ...

class gTTSError(Exception):
    tts: gTTS | None
    rsp: Response | None
    msg: str | None
    def __init__(self, msg: str | None = None, *, tts: gTTS | None = ..., response: Response | None = ...) -> None: ...
