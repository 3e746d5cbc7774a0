"""Maintainer tools beside the runtime.

The acupressure command: check, render, build-model, bundle, publish-audio, chat, artwork.
"""
