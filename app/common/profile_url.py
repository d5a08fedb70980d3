"""One canonical spelling of a LinkedIn profile URL: leads, accounts, observations and the do-not-contact list
all key on it, so a person is the same person whichever way the URL was written."""

import re
from urllib.parse import quote, unquote, urlsplit

from app.errors import ApiError

CANONICAL_PREFIX = "https://www.linkedin.com/in/"
_HOST = re.compile(r"^(?:[a-z]{2,3}\.)?linkedin\.com$")
_SLUG_MAX = 100


def normalize_profile_url(url: str, field_name: str = "profileUrl") -> str:
    """One canonical spelling per LinkedIn profile: `https://www.linkedin.com/in/<slug-lowercased>/`."""
    problem = ApiError(400, f"{field_name}: not a LinkedIn profile URL (expected https://www.linkedin.com/in/<name>/)")
    text = (url or "").strip()
    if not text or len(text) > 2000 or any(ord(ch) < 33 for ch in text):
        raise problem
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise problem from None
    if parts.scheme.lower() not in ("http", "https") or parts.username or parts.password or port:
        raise problem
    host = (parts.hostname or "").lower()
    if not _HOST.match(host) and host != "www.linkedin.com":
        raise problem
    segments = [segment for segment in parts.path.split("/") if segment]
    if len(segments) < 2 or segments[0].lower() != "in":
        raise problem
    slug = unquote(segments[1]).strip().lower()
    if not slug or len(slug) > _SLUG_MAX or any(ch in slug for ch in "/?#%\\") or any(ord(ch) < 33 for ch in slug):
        raise problem
    return CANONICAL_PREFIX + quote(slug, safe="-_.~") + "/"
