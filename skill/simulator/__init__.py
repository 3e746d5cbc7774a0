"""A local stand-in for the Alexa service: understanding typed text with the shipped interaction model, and request envelopes as Alexa sends them."""
