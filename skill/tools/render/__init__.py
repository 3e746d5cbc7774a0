"""Offline rendering of the skill's speech and downloadable routines (never imported by the Lambda)."""
