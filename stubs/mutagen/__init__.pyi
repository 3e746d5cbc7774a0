# mutagen ships py.typed but leaves its functions unannotated: only mutagen.id3 is used (see id3/).
