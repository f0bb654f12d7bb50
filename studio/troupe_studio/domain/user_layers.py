"""User-defined layers: a Python file with an nn.Module subclass and a TROUPE_LAYER dict.

The service must know a layer's parameters without running the user's code, so the dict is
read with `ast` (a literal only); the class is only checked to exist here. torch_build runs
the file later, in its own process. Format: docs/studio-model-format.md.
"""

from __future__ import annotations

import ast
import re

from troupe_studio.domain.issues import Issue
from troupe_studio.domain.layers import BUILTIN, LayerType, check_schema

MARKER = "TROUPE_LAYER"
NAME = re.compile(r"^[A-Z][A-Za-z0-9_]{0,63}$")
KEYS = {"name", "class", "params", "inputs", "description"}
MAX_SOURCE = 256 * 1024


def parse_layer_file(
    source: str, filename: str = "layer.py"
) -> tuple[LayerType | None, list[Issue]]:
    """The LayerType a layer file declares, or the issues that keep it from being one."""
    if len(source) > MAX_SOURCE:
        return None, [Issue(filename, f"is over {MAX_SOURCE} characters")]
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as exc:
        return None, [Issue(f"{filename}:{exc.lineno}", f"syntax error: {exc.msg}")]
    decl, line = _declaration(tree)
    if decl is None:
        return None, [Issue(filename, f"has no top-level {MARKER} = {{...}} assignment")]
    at = f"{filename}:{line}.{MARKER}"
    try:
        value = ast.literal_eval(decl)
    except ValueError:
        return None, [Issue(at, "must be a literal dict (no names, calls or expressions)")]
    if not isinstance(value, dict):
        return None, [Issue(at, "must be a dict")]
    issues = []
    if extra := set(value) - KEYS:
        issues.append(Issue(at, f"unknown keys {sorted(extra)}; known: {sorted(KEYS)}"))
    name = value.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        issues.append(
            Issue(f"{at}.name", "must be a CamelCase identifier of at most 64 characters")
        )
    elif name in BUILTIN:
        issues.append(Issue(f"{at}.name", f"{name!r} is a built-in layer; choose another name"))
    cls = value.get("class", name)
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    if not isinstance(cls, str) or cls not in classes:
        issues.append(Issue(f"{at}.class", f"no top-level class {cls!r} in {filename}"))
    elif not classes[cls].bases:
        issues.append(Issue(f"{at}.class", f"class {cls} must subclass torch.nn.Module"))
    params = value.get("params", {})
    issues += check_schema(params, f"{at}.params")
    lo, hi, arity = _arity(value.get("inputs", {}), f"{at}.inputs")
    issues += arity
    if issues:
        return None, issues
    layer = LayerType(
        name, params, lo, hi, description=str(value.get("description", "")), source="user"
    )
    return layer, []


def layer_class(source: str) -> str:
    """The class name a (parsed, valid) layer file builds."""
    tree = ast.parse(source)
    value = ast.literal_eval(_declaration(tree)[0])
    return value.get("class", value["name"])


def _declaration(tree: ast.Module) -> tuple[ast.expr | None, int]:
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == MARKER for t in stmt.targets
        ):
            return stmt.value, stmt.lineno
    return None, 0


def _arity(inputs: object, at: str) -> tuple[int, int | None, list[Issue]]:
    if not isinstance(inputs, dict):
        return 1, 1, [Issue(at, "must be a dict such as {'min': 1, 'max': 1}")]
    lo, hi = inputs.get("min", 1), inputs.get("max", 1)
    if not isinstance(lo, int) or isinstance(lo, bool) or lo < 1:
        return 1, 1, [Issue(f"{at}.min", "must be an integer >= 1")]
    if hi is not None and (not isinstance(hi, int) or isinstance(hi, bool) or hi < lo):
        return 1, 1, [Issue(f"{at}.max", f"must be null (any number) or an integer >= {lo}")]
    return lo, hi, []
