"""Message templates: `{{variable}}` and `{{variable|fallback}}`, validated once and rendered everywhere.

The 300-character rule for connection notes: every variable renders at most its cap in
`TEMPLATE_VARIABLES` (a longer value is cut at a word boundary by `render`). So the longest
possible rendering of a template is its literal text plus, for each variable, the larger of
its cap and its fallback; `validate_template` refuses a template whose longest rendering
exceeds `max_length`. A note that validates can therefore never render above 300 characters,
whatever the lead's values.
"""

import re
from dataclasses import dataclass, field

from app.errors import ApiError

# Variable -> the most characters it renders (values longer than that are shortened).
TEMPLATE_VARIABLES = {
    "first_name": 30,
    "last_name": 30,
    "full_name": 60,
    "company": 60,
    "title": 80,
    "location": 40,
}
CONNECTION_NOTE_MAX = 300
MESSAGE_MAX = 8000
FALLBACK_MAX = 100

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class Placeholder:
    variable: str
    fallback: str | None


@dataclass
class Rendered:
    text: str
    # Variables that had no value: `fell_back` used their fallback, `empty` rendered as nothing.
    fell_back: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)


def _parse(text: str, field_name: str) -> list[tuple[re.Match, Placeholder]]:
    found = []
    for match in _PLACEHOLDER.finditer(text):
        inner = match.group(1)
        variable, bar, fallback = inner.partition("|")
        variable = variable.strip()
        if not _NAME.match(variable) or variable not in TEMPLATE_VARIABLES:
            known = ", ".join("{{" + name + "}}" for name in TEMPLATE_VARIABLES)
            raise ApiError(400, f"{field_name}: unknown template variable '{{{{{inner.strip()}}}}}' "
                                f"(known: {known}; fallback syntax {{{{first_name|there}}}})")
        fallback = fallback.strip() if bar else None
        if fallback is not None and ("{" in fallback or len(fallback) > FALLBACK_MAX):
            raise ApiError(400, f"{field_name}: the fallback of '{{{{{variable}}}}}' must be plain text of at most "
                                f"{FALLBACK_MAX} characters")
        found.append((match, Placeholder(variable, fallback or None)))
    rest = _PLACEHOLDER.sub("", text)
    if "{{" in rest or "}}" in rest:
        raise ApiError(400, f"{field_name}: unbalanced '{{{{' or '}}}}' in template")
    return found


def longest_rendering(text: str, field_name: str = "template") -> int:
    """The most characters this template can render to, for any lead."""
    placeholders = _parse(text, field_name)
    literal = len(_PLACEHOLDER.sub("", text))
    return literal + sum(max(TEMPLATE_VARIABLES[p.variable], len(p.fallback or "")) for _, p in placeholders)


def validate_template(text: str, field_name: str, max_length: int | None = None) -> None:
    """Raise ApiError 400 naming `field_name` for an unknown variable, bad syntax, or a possible overlong render."""
    longest = longest_rendering(text, field_name)
    if max_length is not None and longest > max_length:
        caps = ", ".join(f"{name} {cap}" for name, cap in TEMPLATE_VARIABLES.items())
        raise ApiError(400, f"{field_name}: can render up to {longest} characters, more than the {max_length} "
                            f"allowed (each variable counts as its maximum: {caps})")


def _shorten(value: str, cap: int) -> str:
    if len(value) <= cap:
        return value
    cut = value[:cap]
    space = cut.rfind(" ")
    return (cut[:space] if space >= cap // 2 else cut).rstrip(" ,;-")


def render_report(text: str, values: dict) -> Rendered:
    """Render and say which variables were missing (fell back, or rendered empty)."""
    result = Rendered(text="")
    pieces, position = [], 0
    for match, placeholder in _parse(text, "template"):
        pieces.append(text[position:match.start()])
        value = " ".join(str(values.get(placeholder.variable) or "").split())
        if value:
            pieces.append(_shorten(value, TEMPLATE_VARIABLES[placeholder.variable]))
        elif placeholder.fallback is not None:
            pieces.append(placeholder.fallback)
            result.fell_back.append(placeholder.variable)
        else:
            result.empty.append(placeholder.variable)
        position = match.end()
    pieces.append(text[position:])
    result.text = "".join(pieces)
    return result


def render(text: str, values: dict) -> str:
    """The template with each variable replaced by its value, else its fallback, else nothing."""
    return render_report(text, values).text


def split_name(name: str | None) -> tuple[str | None, str | None]:
    """'Ada King Lovelace' -> ('Ada', 'King Lovelace'); used when first/last names are not given."""
    parts = (name or "").split()
    if not parts:
        return None, None
    return parts[0], (" ".join(parts[1:]) or None)


def lead_values(lead) -> dict:
    """The template values of a lead (a Lead row or anything with the same attributes)."""
    derived_first, derived_last = split_name(getattr(lead, "name", None))
    first = getattr(lead, "first_name", None) or derived_first
    last = getattr(lead, "last_name", None) or derived_last
    full = getattr(lead, "name", None) or " ".join(part for part in (first, last) if part) or None
    return {
        "first_name": first,
        "last_name": last,
        "full_name": full,
        "company": getattr(lead, "company", None),
        "title": getattr(lead, "title", None),
        "location": getattr(lead, "location", None),
    }
