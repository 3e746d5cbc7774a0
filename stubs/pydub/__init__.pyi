# pydub ships no type information (pydub/__init__.py re-exports AudioSegment).
from pydub.audio_segment import AudioSegment as AudioSegment
