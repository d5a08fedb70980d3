"""LinkedIn's numbers for a post and an account.

Organization posts: organizationalEntityShareStatistics (impressions, unique impressions, likes, comments, shares,
clicks). Member posts: socialActions (likes and comments; LinkedIn gives member impressions only to approved
partners). Followers: networkSizes for an organization, memberFollowersCount for the member.
"""

from __future__ import annotations

from urllib.parse import quote

from app.platforms.linkedin_api import LinkedInApi, restli_list, urn_path

ORGANIZATION = "urn:li:organization:"


def _count(value) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _present(counts: dict) -> dict:
    return {key: value for key, value in counts.items() if value is not None}


def post_metrics(api: LinkedInApi, author: str, post_urn: str) -> dict:
    if author.startswith(ORGANIZATION):
        kind = "ugcPosts" if post_urn.startswith("urn:li:ugcPost:") else "shares"
        response = api.get(f"/rest/organizationalEntityShareStatistics?q=organizationalEntity"
                           f"&organizationalEntity={quote(author, safe='')}&{kind}={restli_list([post_urn])}",
                           "read the post's statistics")
        elements = [element for element in response.get("elements") or [] if isinstance(element, dict)] or [{}]
        totals = elements[0].get("totalShareStatistics") or {}
        return _present({"impressions": _count(totals.get("impressionCount")),
                         "reach": _count(totals.get("uniqueImpressionsCount")),
                         "likes": _count(totals.get("likeCount")), "comments": _count(totals.get("commentCount")),
                         "shares": _count(totals.get("shareCount")), "clicks": _count(totals.get("clickCount"))})
    body = api.get(f"/rest/socialActions/{urn_path(post_urn)}", "read the post's likes and comments")
    return _present({"likes": _count((body.get("likesSummary") or {}).get("totalLikes")),
                     "comments": _count((body.get("commentsSummary") or {}).get("aggregatedTotalComments"))})


def account_metrics(api: LinkedInApi, author: str) -> dict:
    if author.startswith(ORGANIZATION):
        body = api.get(f"/rest/networkSizes/{urn_path(author)}?edgeType=COMPANY_FOLLOWED_BY_MEMBER",
                       "read the organization's followers")
        return _present({"followers": _count(body.get("firstDegreeSize"))})
    body = api.get("/rest/memberFollowersCount?q=me", "read the member's followers")
    elements = [element for element in body.get("elements") or [] if isinstance(element, dict)] or [{}]
    return _present({"followers": _count(elements[0].get("memberFollowersCount"))})
