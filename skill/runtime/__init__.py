"""What AWS Lambda runs: content, routine engine, speech, safety, persistence, handlers and the one request pipeline. Imports nothing from skill.web, skill.simulator or skill.tools."""
