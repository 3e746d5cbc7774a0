"""Acupressure Coach: an Alexa skill that guides acupressure self-care for back pain."""
