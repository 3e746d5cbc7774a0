"""The privacy policy and terms of use (content/policies.yaml) as readable HTML pages.

`acupressure serve` answers them at /privacy and /terms, and at the names they are published
under beside the audio (/audio/privacy.html, /audio/terms.html), so a skill.json built with the
service's audio URL links to pages that are there. `acupressure publish-audio` writes the same
pages into the audio directory and uploads them; skill.json links to them (skill.tools.model_builder).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path

from flask import Flask, Response

from skill.runtime.content.loader import ContentError, Problem
from skill.runtime.content.models import PoliciesFile, Policy, PolicyKind
from skill.runtime.content.voice import load_policies

HTML_TYPE = "text/html; charset=utf-8"
STYLE = ("body{font:1.05rem/1.6 system-ui,sans-serif;max-width:42em;margin:2rem auto;padding:0 1rem;"
         "color:#1d2b2f;background:#f8f4ee}h1{color:#0e4f5c;line-height:1.2}h2{margin-top:1.8em;color:#0a3841}"
         "nav{margin-top:3em;font-size:.95rem}a{color:#0e4f5c}")


def page_name(kind: PolicyKind) -> str:
    """The file a policy is published as, beside the audio: privacy.html, terms.html."""
    return f"{kind.value}.html"


def read_policies(content_dir: Path) -> PoliciesFile:
    """content/policies.yaml, validated; ContentError with file, line and field if not."""
    problems: list[Problem] = []
    found = load_policies(content_dir, problems)
    if found is None or problems:
        raise ContentError(problems)
    return found


def render(policy: Policy, links: Mapping[PolicyKind, str], kind: PolicyKind) -> str:
    """One policy as a whole HTML page, linking to the other documents."""
    def esc(text: str) -> str:
        return html.escape(text, quote=False)
    updated = f"{policy.updated.day} {policy.updated:%B %Y}"
    parts = ["<!doctype html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{esc(policy.title)}</title>", f"<style>{STYLE}</style>", "</head>", "<body>", "<main>",
             f"<h1>{esc(policy.title)}</h1>",
             f'<p><small>Last updated: <time datetime="{policy.updated.isoformat()}">{esc(updated)}</time>'
             "</small></p>"]
    for section in policy.sections:
        parts.append(f"<h2>{esc(section.heading)}</h2>")
        parts += [f"<p>{esc(' '.join(p.split()))}</p>" for p in section.paragraphs]
    others = [f'<a href="{html.escape(href)}">{esc(_title(other))}</a>'
              for other, href in links.items() if other is not kind]
    parts += ["</main>", f"<nav>{' · '.join(others)}</nav>" if others else "", "</body>", "</html>", ""]
    return "\n".join(p for p in parts if p)


def _title(kind: PolicyKind) -> str:
    return {PolicyKind.PRIVACY: "Privacy policy", PolicyKind.TERMS: "Terms of use"}[kind]


def published_pages(policies: PoliciesFile) -> dict[str, str]:
    """Each page as published beside the audio (file name -> HTML), linking to each other by file name."""
    links = {kind: page_name(kind) for kind in PolicyKind}
    return {page_name(kind): render(policies.policies[kind], links, kind) for kind in PolicyKind}


def write_pages(policies: PoliciesFile, out: Path) -> list[Path]:
    """Write the published pages into `out` (the audio directory); return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in published_pages(policies).items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def register_policies(flask_app: Flask, policies: PoliciesFile) -> None:
    """GET /privacy and /terms, and the same pages at /audio/<kind>.html (their published names)."""
    served = {kind: "/" + kind.value for kind in PolicyKind}
    pages = {kind: render(policies.policies[kind], served, kind) for kind in PolicyKind}
    published = published_pages(policies)

    def view(body: str) -> Response:
        return Response(body, mimetype="text/html", content_type=HTML_TYPE)

    for kind in PolicyKind:
        flask_app.add_url_rule(served[kind], f"policy_{kind.value}", lambda k=kind: view(pages[k]))
        flask_app.add_url_rule(f"/audio/{page_name(kind)}", f"policy_{kind.value}_published",
                               lambda k=kind: view(published[page_name(k)]))
