"""Shared pieces of the LinkedIn adapter tests: tokens the fake knows, the member and an organization it
administers, and a small video part size so a small file spans several parts."""

from __future__ import annotations

from app.platforms.base import Identity, TokenSet

PART = 64 * 1024


def fresh_tokens(fake) -> TokenSet:
    access, refresh = fake.issue_tokens()
    return TokenSet(access_token=access, refresh_token=refresh)


def member(fake) -> Identity:
    return Identity(fake.member_urn, None, "Ada Lovelace", extra={"kind": "member"})


def organization() -> Identity:
    return Identity("urn:li:organization:2414183", "acme", "Acme Corp", extra={"kind": "organization"})
