"""Strings scraped from LinkedIn pages are hostile: markup is reduced to its text before anything stores it."""

from markupsafe import Markup
from marshmallow import ValidationError

from app.common.fields import TrimmedString

_MAX_PASSES = 3


def strip_markup(text: str) -> str:
    """The text of `text` with HTML tags removed (entities decoded, so escaped tags are removed too)."""
    for _ in range(_MAX_PASSES):
        if "<" not in text and "&" not in text:
            break
        stripped = Markup(text).striptags()
        if stripped == text:
            break
        text = stripped
    return text.replace("<", "").replace(">", "") if "<" in text else text


def clean_strings(value):
    """Markup stripped from every string inside a JSON value (dicts and lists walked)."""
    if isinstance(value, str):
        return strip_markup(value)
    if isinstance(value, list):
        return [clean_strings(item) for item in value]
    if isinstance(value, dict):
        return {key: clean_strings(item) for key, item in value.items()}
    return value


class ScrapedText(TrimmedString):
    """A trimmed string without control characters, reduced to plain text, within its length cap."""

    def __init__(self, max_length: int, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length

    def _deserialize(self, value, attr, data, **kwargs):
        text = strip_markup(super()._deserialize(value, attr, data, **kwargs)).strip()
        if len(text) > self.max_length:
            raise ValidationError(f"longer than {self.max_length} characters")
        return text
