"""Checks for the values a post's `metadata` hands an adapter, used by each adapter's `check()`.

`metadata` is whatever JSON the API was sent: any field may hold a number, a list, an object, a boolean, a huge
string, a NUL or a lone surrogate (JSON's `"\\ud800"`). An adapter reads a field only after its `check()` has made
sure of its type and size, so a wrong value is a BAD_REQUEST naming the field (400 when the post is made, a failed
target if it comes later) and never a TypeError in the middle of a publish, which the publisher could only retry
as "unexpected". JSON `null` counts as "not given" everywhere.
"""

from __future__ import annotations

import math

from app.platforms.base import ErrorKind, PlatformError

MAX_URL = 2048  # what browsers and the platforms' link fields reliably take


def refuse(platform: str, name: str, wanted: str) -> PlatformError:
    return PlatformError(ErrorKind.BAD_REQUEST, f"{platform}: metadata.{name} must be {wanted}")


def sendable(text: str) -> bool:
    """Text every platform's HTTP API can carry: valid UTF-8 (no lone surrogate) and no NUL character."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def text(metadata: dict, name: str, platform: str, *, max_length: int, choices: tuple[str, ...] = ()) -> str | None:
    """A text field of at most `max_length` characters (one of `choices` when given), or None when absent."""
    value = metadata.get(name)
    if value is None:
        return None
    if choices:
        if not isinstance(value, str) or value not in choices:
            raise refuse(platform, name, f"one of {', '.join(choices)}")
        return value
    if not isinstance(value, str) or len(value) > max_length or not sendable(value):
        raise refuse(platform, name, f"text of at most {max_length} characters (no NUL or invalid characters)")
    return value


def link(metadata: dict, name: str, platform: str) -> str | None:
    value = text(metadata, name, platform, max_length=MAX_URL)
    if value is not None and not value.startswith(("http://", "https://")):
        raise refuse(platform, name, f"an http(s) link of at most {MAX_URL} characters")
    return value


def flag(metadata: dict, name: str, platform: str) -> bool | None:
    value = metadata.get(name)
    if value is not None and not isinstance(value, bool):
        raise refuse(platform, name, "true or false")
    return value


def integer(metadata: dict, name: str, platform: str, *, minimum: int, maximum: int) -> int | None:
    value = metadata.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise refuse(platform, name, f"a whole number from {minimum} to {maximum}")
    return value


def number(metadata: dict, name: str, platform: str, *, minimum: float, maximum: float) -> float | None:
    value = metadata.get(name)
    if value is None:
        return None
    if (isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value)
            or not minimum <= value <= maximum):
        raise refuse(platform, name, f"a number from {minimum:g} to {maximum:g}")
    return value


def text_list(metadata: dict, name: str, platform: str, *, max_items: int, max_length: int) -> list[str] | None:
    """A list of at most `max_items` texts, each of at most `max_length` characters."""
    value = metadata.get(name)
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) > max_items
            or not all(isinstance(item, str) and len(item) <= max_length and sendable(item) for item in value)):
        raise refuse(platform, name, f"a list of at most {max_items} texts of at most {max_length} characters each")
    return value
