"""Pages of a list shown newest first, next to one row of an earlier page (keyset pagination).

A page is the `size` rows just before or just after an anchor row in the list's order, so with an index on the
order it is a read of its own entries at any depth (an offset reads every row above it), and a row added meanwhile
does not shift the pages. Links name the anchor row by id; an anchor that is gone gives the newest page.
"""

from dataclasses import dataclass

from sqlalchemy import Select, tuple_

from app.extensions import db


@dataclass
class Page:
    """The rows of a page (entities, or result rows when the statement selects more than one thing), and the
    query arguments of the links to the pages next to it: None when there is no such page, {} for the newest."""

    rows: list
    newer: dict | None
    older: dict | None


def page_newest_first(statement: Select, key: tuple, anchor: tuple | None, newer_than_anchor: bool, size: int,
                      names: tuple[str, str] = ("before", "after")) -> Page:
    """`statement`'s rows in `key` order, newest first: the `size` just older than `anchor` (the anchor row's
    key values), or just newer when `newer_than_anchor`, or the newest. The key ends with the id of the
    statement's first entity, which links name (`names`: the older page's and the newer page's argument)."""
    before, after = names
    position = tuple_(*key)
    if anchor is not None and newer_than_anchor:
        rows = list(db.session.execute(statement.where(position > tuple_(*anchor)).order_by(*key).limit(size + 1)))
        if len(rows) > size:  # a shorter run of newer rows is the start of the newest page: show that instead
            shown = rows[size - 1::-1]
            return Page(_unwrapped(shown), newer={after: shown[0][0].id}, older={before: shown[-1][0].id})
        anchor = None
    if anchor is not None:
        statement = statement.where(position < tuple_(*anchor))
    rows = list(db.session.execute(statement.order_by(*(column.desc() for column in key)).limit(size + 1)))
    shown = rows[:size]
    newer = None if anchor is None else ({after: shown[0][0].id} if shown else {})
    return Page(_unwrapped(shown), newer=newer, older={before: shown[-1][0].id} if len(rows) > size else None)


def _unwrapped(rows: list) -> list:
    return [row[0] for row in rows] if rows and len(rows[0]) == 1 else rows


__all__ = ["Page", "page_newest_first"]
