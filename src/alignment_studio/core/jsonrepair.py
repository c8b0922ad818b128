"""The one JSON repairer: a pydantic object read from what a model wrote.

Teachers, judges and attack writers are asked for one JSON object and often wrap it in prose or
code fences, leave trailing commas, write Python literals or stop mid-object. ``parse_json``
repairs what can be repaired and otherwise returns an error worth showing the model in a retry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def parse_json(text: str, model: type[M]) -> tuple[M | None, str]:
    """A ``model`` read from messy model output, or None and an error to put in a retry prompt.

    Repairs are tried in order, each on top of the previous: the object as found (inside code
    fences, after leading prose), trailing commas removed, single quotes and Python literals
    turned into JSON, and an object cut short closed.
    """
    candidate = _json_candidate(text)
    if candidate is None:
        return None, "no JSON object found: reply with one JSON object only"
    error = ""
    for repair in _REPAIRS:
        candidate = repair(candidate)
        try:
            data = json.loads(candidate)
        except json.JSONDecodeError as exc:
            error = f"invalid JSON ({exc.msg} at character {exc.pos})"
            continue
        if not isinstance(data, dict):
            return None, "the JSON is not an object: reply with one JSON object"
        try:
            return model.model_validate(data), ""
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'object'}: {e['msg']}"
                                 for e in exc.errors())
            return None, f"the JSON does not match the schema: {problems}"
    return None, f"{error}: reply with one valid JSON object only"


def _json_candidate(text: str) -> str | None:
    fenced = re.search(r"```(?:json|JSON)?\s*\n?(.*?)(?:```|\Z)", text, re.S)
    body = fenced.group(1) if fenced and "{" in fenced.group(1) else text
    start = body.find("{")
    if start < 0:
        return None
    end = _matching_brace(body, start)
    return body[start:end + 1] if end is not None else body[start:].rstrip()


def _matching_brace(text: str, start: int) -> int | None:
    depth, quote, escaped = 0, "", False
    for pos in range(start, len(text)):
        ch = text[pos]
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return pos
    return None


def _as_is(text: str) -> str:
    return text


def _no_trailing_commas(text: str) -> str:
    return re.sub(r",\s*([}\]])", r"\1", text)


def _json_quotes(text: str) -> str:
    """Single-quoted strings -> double-quoted; True/False/None -> true/false/null."""
    out: list[str] = []
    quote, pos = "", 0
    while pos < len(text):
        ch = text[pos]
        if quote and ch == "\\" and pos + 1 < len(text):
            nxt = text[pos + 1]
            out.append("'" if nxt == "'" else ch + nxt)  # \' is not a JSON escape
            pos += 2
            continue
        if quote:
            if ch == quote:
                out.append('"')
                quote = ""
            else:
                out.append('\\"' if ch == '"' else ch)
        elif ch in "\"'":
            out.append('"')
            quote = ch
        else:
            out.append(ch)
        pos += 1
    return re.sub(r"\b(True|False|None)\b",
                  lambda m: {"True": "true", "False": "false", "None": "null"}[m.group(1)],
                  "".join(out))


def _close_truncated(text: str) -> str:
    """Close an unterminated string, drop a dangling comma or key, close open brackets."""
    stack: list[str] = []
    in_string, escaped = False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]" and stack:
            stack.pop()
    text = text + '"' if in_string else text
    text = re.sub(r",\s*$", "", text.rstrip())
    if stack and stack[-1] == "}":  # a key with no value yet
        text = re.sub(r'(,|\{)\s*"[^"]*"\s*$', r"\1", text)
    text = re.sub(r":\s*$", ": null", text)
    return _no_trailing_commas(text + "".join(reversed(stack)))


_REPAIRS: list[Callable[[str], str]] = [_as_is, _no_trailing_commas, _json_quotes,
                                        _close_truncated]
