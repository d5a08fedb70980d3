"""Parsing request JSON defensively, and the one check every incoming string goes through.

Text reaches us from API clients and from the extension, which posts whatever LinkedIn pages
contained: hostile by definition. Two kinds of character cannot be stored at all (PostgreSQL
refuses NUL in text, and a lone UTF-16 surrogate cannot be encoded as UTF-8), so they are refused
here, once, before any view runs, with the path of the first string that carries one.
"""

import json
import re

from app.errors import ApiError

# Where the request keeps the body parsed and checked before any view ran.
PARSED_BODY = "socialscalr.json_body"
MAX_DEPTH = 32  # our deepest body (leads.0.customFields.key) is 4 levels; anything near this is an attack
_MAX_PATH_SEGMENT = 100
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


class _NonFiniteNumber(ValueError):
    pass


def _refuse_constant(name: str):
    raise _NonFiniteNumber(name)


def parse_json(raw: bytes):
    """The body's JSON value, or ApiError 400 naming `body` for what cannot be parsed safely."""
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise ApiError(400, "body: not valid UTF-8") from None
    except RecursionError:
        raise ApiError(400, f"body: nested deeper than {MAX_DEPTH} levels") from None
    except _NonFiniteNumber as error:
        raise ApiError(400, f"body: {error} is not a JSON number") from None
    except json.JSONDecodeError as error:
        raise ApiError(400, f"body: invalid JSON ({error.msg} at line {error.lineno} column {error.colno})") from None
    except ValueError:  # Python refuses to convert integer literals above 4,300 digits
        raise ApiError(400, "body: a number has too many digits") from None


def string_problem(text: str) -> str | None:
    """Why this string cannot be accepted, or None."""
    if text.isascii():
        return "must not contain NUL characters (\\u0000)" if "\x00" in text else None
    found = _FORBIDDEN.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "must not contain NUL characters (\\u0000)"
    return "must not contain a lone UTF-16 surrogate (\\ud800-\\udfff); send valid Unicode"


def _segment(key) -> str:
    text = str(key)
    return text if len(text) <= _MAX_PATH_SEGMENT else text[:_MAX_PATH_SEGMENT] + "..."


def _join(path: str, key) -> str:
    return f"{path}.{_segment(key)}" if path else _segment(key)


def check_strings(value, path: str = "") -> None:
    """ApiError 400 naming the first string (or key) that cannot be stored, or a value nested too deeply.

    Iterative, so a deep value cannot exhaust the stack while it is checked.
    """
    stack = [(value, path, 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            problem = string_problem(item)
            if problem:
                raise ApiError(400, f"{where or 'body'}: {problem}")
        elif isinstance(item, (dict, list)):
            if depth >= MAX_DEPTH:
                raise ApiError(400, f"{where or 'body'}: nested deeper than {MAX_DEPTH} levels")
            if isinstance(item, dict):
                for key in item:
                    problem = string_problem(key)
                    if problem:
                        raise ApiError(400, f"{where or 'body'}: a key {problem}")
                children = [(child, _join(where, key), depth + 1) for key, child in item.items()]
            else:
                children = [(child, _join(where, index), depth + 1) for index, child in enumerate(item)]
            stack.extend(reversed(children))  # so the first bad string in document order is named


# In a parsed body, NUL and surrogates can only come from these escapes: raw NUL is invalid JSON, and raw surrogates
# are invalid UTF-8. A body without any is checked for depth alone, which is far cheaper than visiting every string.
_FORBIDDEN_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


_CONTAINERS = (dict, list)  # what json.loads builds: exact types, so `type(x) in` is enough (and faster)


def _too_deep(value) -> bool:
    """Level by level over containers only: a 1000-lead body costs about a third of parsing it."""
    level = [value] if type(value) in _CONTAINERS else []
    depth = 0
    while level:
        if depth >= MAX_DEPTH:
            return True
        below = []
        keep = below.append
        for container in level:
            for child in container.values() if type(container) is dict else container:
                if type(child) in _CONTAINERS:
                    keep(child)
        level, depth = below, depth + 1
    return False


def check_body(raw: bytes, value) -> None:
    """`check_strings` for a parsed body, skipped when the raw bytes show it cannot fail (the common case)."""
    if _FORBIDDEN_ESCAPE.search(raw) or _too_deep(value):
        check_strings(value)


def check_multidict(values) -> None:
    """The same check over query-string or form parameters (names and values)."""
    for name, items in values.lists():
        problem = string_problem(name)
        if problem:
            raise ApiError(400, f"parameter name: {problem}")
        for item in items:
            problem = string_problem(item)
            if problem:
                raise ApiError(400, f"{_segment(name)}: {problem}")
