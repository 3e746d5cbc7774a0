# gTTS ships no type information (gtts/__init__.py re-exports these).
from gtts.tts import gTTS as gTTS
from gtts.tts import gTTSError as gTTSError

__version__: str
