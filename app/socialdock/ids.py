"""Public ids as SocialDock shows them: a kind prefix and the row's UUID in hex (`acc_3f2a...`), stable forever.

An id of the wrong kind, a malformed one, or one of another workspace all read as "not found".
"""

import uuid

PREFIXES = {"account": "acc_", "post": "post_", "media": "med_", "webhook": "wh_", "connect": "tok_"}


def public_id(kind: str, row_id: uuid.UUID | None) -> str | None:
    return None if row_id is None else PREFIXES[kind] + row_id.hex


def parse_id(kind: str, value) -> uuid.UUID | None:
    """The UUID inside a public id of this kind, or None when it is not one."""
    prefix = PREFIXES[kind]
    if not isinstance(value, str) or not value.startswith(prefix) or len(value) != len(prefix) + 32:
        return None
    try:
        return uuid.UUID(hex=value[len(prefix):])
    except ValueError:
        return None
