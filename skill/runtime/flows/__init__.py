"""Flows: the operations that cross features, called by the thin handlers (which read the request and reply).

Layering, top down (a module imports only those below it; nothing here imports a handler):
    starting        begin a routine (the pregnancy gate first), resume the one waiting on the question
    pregnancy_gate  avoided points, the question before a routine, noting what the user says
    player          play, pause, resume, finish: AudioPlayer streams, or spoken turns where they cannot play
    stepping        a routine under way in spoken turns: step speech, moves, keeping the place
    closing         the end of a routine: outro, tip, the reminder offer and its yes/no
    finding         a point by ear: where it is with one cue, then the find steps one at a time, then pressing
    turn            one request: shared dependencies, session, the user's profile, the reply
"""
