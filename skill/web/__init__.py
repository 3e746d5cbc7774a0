"""Flask web service for the skill: app factory, Alexa request verification, `acupressure serve`.

Importing this package first makes flask-ask-sdk importable where oscrypto cannot load
(see skill.web.compat); every module here relies on that.
"""

from skill.web.compat import make_sdk_importable

make_sdk_importable()
