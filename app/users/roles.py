"""What each team role may do: the one place the rule lives (the web app and the CLI call through here).

- owner: everything, including the plan and other owners.
- admin: invites teammates, changes roles of admins and members, removes them, rotates their API tokens;
  creates, renews and revokes the team's SocialDock keys.
- member: works campaigns, leads, posts, webhooks and accounts; rotates only their own API token; sees the
  SocialDock keys (their prefixes) but cannot create, renew or revoke them (a key acts for the whole workspace).
A team always keeps at least one owner.
"""

from app.errors import ApiError

PERMISSIONS = {
    "change_plan": ("owner",),
    "manage_dock_keys": ("owner", "admin"),
    "manage_members": ("owner", "admin"),
    "manage_owners": ("owner",),
    "rotate_others_tokens": ("owner", "admin"),
}


def may(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]


def require(role: str, permission: str, doing: str) -> None:
    if not may(role, permission):
        allowed = " or ".join(PERMISSIONS[permission])
        raise ApiError(403, f"only an {allowed} of the team can {doing}; ask one of them")
