"""What AWS Lambda runs.

Content, routine engine, speech, safety, persistence, handlers, flows and the one request pipeline.
Imports nothing from skill.web, skill.simulator or skill.tools (the import contract in pyproject.toml).
"""
