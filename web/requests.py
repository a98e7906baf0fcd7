"""What a well-formed callback request is: the body Dash's renderer posts to /_dash-update-component.

The access check (web/security.py) reads every callback request before Dash does; a body that is not
what a browser sends (not JSON, nested past any page's need, inputs that do not match the callback,
changedPropIds naming no input) is refused here as bad input (400), so Dash never meets it half-way
with an IndexError or a RecursionError and answers 500."""

from __future__ import annotations

import json
from collections.abc import Mapping

MAX_DEPTH = 40  # a page's callback values nest a few levels (grid rows in lists); beyond this is a forgery


class MalformedRequest(ValueError):
    """The request is not what the app's pages send; the text says how (for the server log, in English)."""


def parse_json(data: bytes) -> object:
    """Returns the JSON value of a request body; MalformedRequest when it is not JSON or nests too deep."""
    try:
        value = json.loads(data or b"null")
    except RecursionError:
        raise MalformedRequest("JSON nested too deep") from None
    except ValueError as exc:
        raise MalformedRequest(f"not JSON ({str(exc)[:80]})") from None
    if _depth(value) > MAX_DEPTH:
        raise MalformedRequest("JSON nested too deep")
    return value


def _depth(value: object) -> int:
    """Returns how deep lists and objects nest in `value` (without recursion: any depth is measured)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item)
    return deepest


def callback_output(body: object) -> str:
    """Returns the output key a callback request names; MalformedRequest when the body has none."""
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        raise MalformedRequest("a callback request is an object naming its output")
    return body["output"]


def check_callback(body: Mapping, spec: Mapping) -> None:
    """Raises MalformedRequest unless `body` is shaped as the renderer sends it for the callback `spec` (an entry
    of the app's callback map): outputs, as many inputs and states as the callback has, each an id and a property,
    and changedPropIds naming some of those inputs."""
    outputs, key = body.get("outputs"), str(body.get("output", ""))
    many = key.startswith("..")  # "..a.children...b.data..": a callback of several outputs, sent as a list
    if many and not (isinstance(outputs, list) and len(outputs) == key.count("...") + 1):
        raise MalformedRequest("outputs must list the callback's outputs")
    if not all(_is_prop(o) for o in (outputs if many else [outputs])):
        raise MalformedRequest("outputs must be ids with a property")
    named = [_normal(part) for part in (key.strip(".").split("...") if many else [key])]
    if [_prop_id(o) for o in (outputs if many else [outputs])] != named:  # Dash would raise on them: a 500
        raise MalformedRequest("outputs must be the callback's outputs")
    for kind in ("inputs", "state"):
        items = body.get(kind, [])
        if not isinstance(items, list) or len(items) != len(spec.get(kind, [])):
            raise MalformedRequest(f"{kind} must list the callback's {len(spec.get(kind, []))}")
        for item in items:
            if not (_is_prop(item) or (isinstance(item, list) and all(_is_prop(i) for i in item))):
                raise MalformedRequest(f"{kind} must be ids with a property and a value")
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        raise MalformedRequest("changedPropIds must be a list of texts")
    inputs = {_prop_id(i) for item in body.get("inputs", []) for i in (item if isinstance(item, list) else [item])}
    for prop_id in changed:
        if _normal(prop_id) not in inputs:
            raise MalformedRequest(f"changedPropIds names no input of the callback: {prop_id[:80]}")


def _is_prop(item: object) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("id"), str | dict)
        and isinstance(item.get("property"), str)
        and item["property"] != ""
    )


def _prop_id(item: Mapping) -> str:
    cid = item["id"]
    text = cid if isinstance(cid, str) else json.dumps(cid, sort_keys=True, separators=(",", ":"))
    return _normal(f"{text}.{item['property']}")


def _normal(prop_id: str) -> str:
    """Returns a prop id with a pattern-matching id written one way (the renderer sorts its keys), without the
    "@..." an output allowed to be a duplicate carries."""
    cid, dot, prop = prop_id.rpartition(".")
    prop = prop.split("@", 1)[0]
    if cid.startswith("{"):
        try:
            cid = json.dumps(json.loads(cid), sort_keys=True, separators=(",", ":"))
        except (ValueError, RecursionError):
            return prop_id
    return f"{cid}{dot}{prop}"
