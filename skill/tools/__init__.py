"""Maintainer tools beside the runtime: the acupressure command, render, model builder, Lambda bundle, audio publishing, chat."""
