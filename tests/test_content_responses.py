"""Every response key the runtime code uses exists, with the placeholders the code fills; none is unused.

The code is read, not run: each call of the prompts API (`say`, `variants`, `has`) is found with
`ast`, and its key worked out from a string, an f-string (a pattern over the keys), a name bound to
strings in the same function, a module-level table of keys, or an error class's `prompt_key` (with
the fields its raisers pass). A call whose key cannot be worked out fails the test, so a new way of
naming keys has to be taught here rather than slipping past.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from skill.runtime.content import Content
from skill.runtime.content.loader import DEFAULT_LOCALE
from skill.runtime.content.models import LOCALE_PLACEHOLDERS

RUNTIME = Path(__file__).resolve().parents[1] / "skill" / "runtime"
PROMPT_METHODS = {"say", "variants", "has"}  # skill.runtime.speech.Prompts, and handlers' own say()
DYNAMIC = None  # a call that passes **fields: checked through the error classes instead

# Responses no code path names; each needs a reason to stay.
UNUSED_ALLOWED: dict[str, str] = {
    "chapter_intro": "a download's chapter title, read by the renderer (skill.tools.render.plan.chapter_title)",
    "chapter_outro": "a download's chapter title, read by the renderer (skill.tools.render.plan.chapter_title)",
}
# Fields the code passes that a response leaves out on purpose, with the reason.
UNSPOKEN_FIELDS: dict[tuple[str, str], str] = {
    ("routine_unknown", "said"): "the words heard are not said back for routines, only the routines there are",
}


@dataclass
class Use:
    """One call of the prompts API: the keys it may name, and the placeholders it fills."""

    where: str
    method: str
    keys: list[str] = field(default_factory=list)  # exact keys
    patterns: list[re.Pattern[str]] = field(default_factory=list)  # f-string keys
    fields: frozenset[str] | None = frozenset()  # None: **fields, resolved elsewhere


def _fstring_pattern(node: ast.JoinedStr) -> re.Pattern[str]:
    out = ""
    for part in node.values:
        if isinstance(part, ast.Constant):
            out += re.escape(str(part.value))
        else:
            out += "[a-z0-9_]+"
    return re.compile(f"^{out}$")


def _strings(node: ast.AST | None) -> list[str] | None:
    """The strings an expression can be: a constant, or either side of `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        a, b = _strings(node.body), _strings(node.orelse)
        return a + b if a is not None and b is not None else None
    return None


def _functions(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _module_tables(tree: ast.Module) -> dict[str, list[str]]:
    """Module-level dicts whose values are all strings (tables of keys, e.g. MOVE_PREFIX)."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            values = [_strings(v) for v in node.value.values]
            if values and all(v is not None for v in values):
                out[node.targets[0].id] = [s for v in values for s in v or []]
    return out


def error_keys(root: Path = RUNTIME) -> dict[str, tuple[str, frozenset[str]]]:
    """Error class -> (its prompt_key, inherited if not its own; the fields its raisers pass)."""
    tree = ast.parse((root / "errors.py").read_text())
    own: dict[str, str | None] = {}
    base: dict[str, str | None] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            base[node.name] = node.bases[0].id if node.bases and isinstance(node.bases[0], ast.Name) else None
            own[node.name] = next((s[0] for stmt in node.body if isinstance(stmt, ast.Assign)
                                   for t in stmt.targets if isinstance(t, ast.Name) and t.id == "prompt_key"
                                   for s in [_strings(stmt.value)] if s), None)

    def key_of(name: str) -> str | None:
        if own.get(name):
            return own[name]
        parent = base.get(name)
        return key_of(parent) if parent in own else None

    fields: dict[str, set[str]] = {name: set() for name in own}
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in own:
                fields[node.func.id] |= {k.arg for k in node.keywords if k.arg}
    return {name: (key, frozenset(fields[name])) for name in own if (key := key_of(name))}


def uses(root: Path = RUNTIME) -> tuple[list[Use], list[str]]:
    """Every prompts API call under root, and the ones whose key could not be worked out."""
    found: list[Use] = []
    unresolved: list[str] = []
    errors = error_keys(root)
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text())
        tables = _module_tables(tree)
        for fn in _functions(tree):
            params = {a.arg for a in [*fn.args.args, *fn.args.kwonlyargs]}
            bound: dict[str, list[str] | ast.JoinedStr] = {}
            for node in ast.walk(fn):
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    value = node.value
                    strings = _strings(value)
                    if strings is not None:
                        bound[node.targets[0].id] = strings
                    elif isinstance(value, ast.JoinedStr):
                        bound[node.targets[0].id] = value
            for node in ast.walk(fn):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in PROMPT_METHODS and node.args):
                    continue
                where = f"{path.relative_to(root.parent)}:{node.lineno}"
                arg = node.args[0]
                kwargs = frozenset(k.arg for k in node.keywords if k.arg)
                dynamic = any(k.arg is None for k in node.keywords)
                use = Use(where, node.func.attr, fields=DYNAMIC if dynamic else kwargs)
                if (strings := _strings(arg)) is not None:
                    use.keys = strings
                elif isinstance(arg, ast.JoinedStr):
                    use.patterns = [_fstring_pattern(arg)]
                elif isinstance(arg, ast.Name) and arg.id in bound:
                    b = bound[arg.id]
                    if isinstance(b, ast.JoinedStr):
                        use.patterns = [_fstring_pattern(b)]
                    else:
                        use.keys = b
                elif isinstance(arg, ast.Name) and arg.id in params:
                    continue  # a wrapper passing its caller's key on; the callers are scanned
                elif isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Name) and arg.value.id in tables:
                    use.keys = tables[arg.value.id]
                elif isinstance(arg, ast.Attribute) and arg.attr == "prompt_key":
                    found += [Use(f"{where} ({cls})", use.method, [key], fields=f) for cls, (key, f) in errors.items()]
                    continue
                else:
                    unresolved.append(f"{where}: {ast.unparse(arg)}")
                    continue
                found.append(use)
    return found, unresolved


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _variants(content: Content, key: str) -> list[str]:
    value = content.prompts[key]
    return [value] if isinstance(value, str) else list(value)


@pytest.fixture(scope="module")
def scanned() -> tuple[list[Use], list[str]]:
    return uses()


def test_the_scan_finds_the_code_s_calls(scanned) -> None:
    found, unresolved = scanned
    assert not unresolved, f"keys the scan cannot work out (teach tests/test_content_responses.py): {unresolved}"
    assert len(found) > 50
    assert any(u.patterns for u in found) and any(u.fields is not None and u.fields for u in found)


def test_every_key_the_code_uses_exists(scanned, content: Content) -> None:
    missing = []
    for use in scanned[0]:
        missing += [f"{use.where}: {key}" for key in use.keys if key not in content.prompts]
        missing += [f"{use.where}: {p.pattern}" for p in use.patterns
                    if not any(p.match(k) for k in content.prompts)]
    assert not missing, missing


def test_placeholders_match_what_the_code_passes(scanned, content: Content) -> None:
    # A key some call names outright is that call's; an f-string ("duration_{seconds}") only covers
    # the keys no call names ("duration_90", not "duration_seconds").
    named = {k for u in scanned[0] for k in u.keys}
    wrong = []
    for use in scanned[0]:
        if use.method != "say" or use.fields is DYNAMIC:
            continue
        keys = [*use.keys, *(k for p in use.patterns for k in content.prompts if p.match(k) and k not in named)]
        for key in keys:
            for text in _variants(content, key):
                # The request's locale fills {emergency_number} and the like; the code passes the rest.
                want = _placeholders(text) - set(LOCALE_PLACEHOLDERS)
                passed = use.fields - {f for (k, f) in UNSPOKEN_FIELDS if k == key}
                if want != passed:
                    wrong.append(f"{use.where}: {key} has {sorted(want)}, the code passes {sorted(use.fields)}")
    assert not wrong, wrong


def test_no_response_is_unused(scanned, content: Content) -> None:
    used = {k for u in scanned[0] for k in u.keys}
    patterns = [p for u in scanned[0] for p in u.patterns]
    unused = [k for k in content.responses[DEFAULT_LOCALE]
              if k not in used and not any(p.match(k) for p in patterns) and k not in UNUSED_ALLOWED]
    assert not unused, f"responses no code uses (delete them, or allow them with a reason): {unused}"


def test_the_scan_reads_every_way_of_naming_a_key(tmp_path: Path) -> None:
    """A made-up runtime: a literal, a conditional, an f-string, a table, an error class, a wrapper."""
    root = tmp_path / "runtime"
    root.mkdir()
    (root / "errors.py").write_text(
        "class SkillError(Exception):\n    prompt_key = 'error_generic'\n"
        "class Lost(SkillError):\n    prompt_key = 'lost_thing'\n"
        "class Vague(SkillError):\n    pass\n")
    (root / "handlers.py").write_text(
        "TABLE = {1: 'from_table'}\n"
        "def f(p, c, x, exception, **fields):\n"
        "    key = 'cond_a' if c else 'cond_b'\n"
        "    p.say('direct', name=x)\n"
        "    p.say(key)\n"
        "    p.variants(f'slot_time_{x}')\n"
        "    p.say(TABLE[x])\n"
        "    p.say(exception.prompt_key, **fields)\n"
        "    raise Lost(said=x)\n"
        "def wrapper(self, key, **fields):\n"
        "    return self.prompts.say(key, **fields)\n"
        "def g(p, c):\n"
        "    p.say(c.pick())\n")
    found, unresolved = uses(root)
    keys = {k for u in found for k in u.keys}
    assert keys == {"direct", "cond_a", "cond_b", "from_table", "error_generic", "lost_thing"}
    assert {u.fields for u in found if u.keys == ["direct"]} == {frozenset({"name"})}
    assert {u.fields for u in found if u.keys == ["lost_thing"]} == {frozenset({"said"})}
    assert [p.pattern for u in found for p in u.patterns] == ["^slot_time_[a-z0-9_]+$"]
    assert unresolved == ["runtime/handlers.py:13: c.pick()"]
