"""A local stand-in for the Alexa service.

Understanding typed text with the shipped interaction model, and request envelopes as Alexa sends them.
"""
