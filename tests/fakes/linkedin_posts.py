"""The fake LinkedIn's posts and numbers: POST/GET /rest/posts, socialActions, organizationalEntityShareStatistics,
networkSizes and memberFollowersCount (a mixin of tests.fakes.linkedin.FakeLinkedIn)."""

from __future__ import annotations

import time

from flask import Response, jsonify, request

POST_STATS = {"impressionCount": 120, "uniqueImpressionsCount": 95, "likeCount": 7, "commentCount": 3,
              "shareCount": 2, "clickCount": 11}
ORGANIZATION_FOLLOWERS = 4200
MEMBER_FOLLOWERS = 512


def plain_text(commentary: str) -> str:
    """LinkedIn's "little text" commentary as a person reads it (backslash escapes removed)."""
    out, escaped = [], False
    for char in commentary:
        if char == "\\" and not escaped:
            escaped = True
            continue
        out.append(char)
        escaped = False
    return "".join(out)


def error(status: int, message: str, code: str = "", service_code: int | None = None):
    body = {"status": status, "message": message}
    if code:
        body["code"] = code
    if service_code is not None:
        body["serviceErrorCode"] = service_code
    return jsonify(body), status


def _restli_list(value: str) -> list[str]:
    if not (value.startswith("List(") and value.endswith(")")):
        return []
    return [item for item in value[5:-1].split(",") if item]


class LinkedInPosts:
    def _media_problem(self, author: str, content: dict) -> str | None:
        if not content:
            return None
        if "article" in content:
            article = content["article"] or {}
            source = str(article.get("source", ""))
            ok = source.startswith(("http://", "https://")) and article.get("title")
            return None if ok else "/content/article needs an http(s) source and a title"
        if "media" in content:
            urns = [str((content["media"] or {}).get("id", ""))]
        elif "multiImage" in content:
            urns = [str(image.get("id", "")) for image in (content["multiImage"] or {}).get("images") or []]
            if not 2 <= len(urns) <= 20:
                return "/content/multiImage/images must hold 2 to 20 images"
        else:
            return "unsupported content"
        for urn in urns:
            key = urn.rsplit(":", 1)[-1]
            if urn.startswith("urn:li:image:"):
                image = self.images.get(key)
                if image is None or image["owner"] != author or not image["bytes"]:
                    return f"{urn} is not an uploaded image of {author}"
            elif urn.startswith("urn:li:video:"):
                if len(urns) > 1 or (self.videos.get(key) or {}).get("status") != "AVAILABLE":
                    return f"{urn} is not an available video"
            else:
                return f"{urn} is not a media urn"
        return None

    def _create_post(self):
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return error(400, "The request body must be JSON", "ILLEGAL_ARGUMENT")
        author = str(body.get("author", ""))
        if not self._owner_allowed(author):
            return error(403, "Not enough permissions to access: partnerApiPostsExternal.CREATE.20260501",
                         "ACCESS_DENIED", 100)
        commentary = body.get("commentary", "")
        if not isinstance(commentary, str) or len(plain_text(commentary)) > 3000:
            return error(422, "ERROR :: /commentary :: length of commentary exceeds 3000", "UNPROCESSABLE_ENTITY")
        if body.get("lifecycleState") != "PUBLISHED" or body.get("visibility") not in ("PUBLIC", "CONNECTIONS",
                                                                                       "LOGGED_IN"):
            return error(422, "ERROR :: /lifecycleState or /visibility :: invalid value", "UNPROCESSABLE_ENTITY")
        if not isinstance(body.get("distribution"), dict) or "feedDistribution" not in body["distribution"]:
            return error(422, "ERROR :: /distribution :: field is required but not found", "UNPROCESSABLE_ENTITY")
        problem = self._media_problem(author, body.get("content") or {})
        if problem:
            return error(422, f"ERROR :: /content :: {problem}", "UNPROCESSABLE_ENTITY")
        commentary = commentary.strip()  # LinkedIn keeps the commentary without surrounding whitespace
        content = body.get("content") or {}
        media = [content["media"]] if "media" in content else (content.get("multiImage") or {}).get("images") or []
        video = any(str(item.get("id")).startswith("urn:li:video:") for item in media)
        kind = "article" if "article" in content else "video" if video else "image" if media else "text"
        with self.lock:
            urn = f"urn:li:share:{next(self._ids)}"
            now = int(time.time() * 1000)
            self.posts.append({"id": urn, "author": author, "commentary": commentary, "media": media, "kind": kind,
                               "createdAt": now, "publishedAt": now, "body": body})
        return Response(status=201, headers={"x-restli-id": urn})

    def _find_posts(self):
        if request.args.get("q") != "author":
            return error(400, "Unsupported finder", "ILLEGAL_ARGUMENT")
        author = request.args.get("author", "")
        if not self.can_read_posts or not self._owner_allowed(author):
            return error(403, "Not enough permissions to access: partnerApiPostsExternal.FINDER-author.20260501",
                         "ACCESS_DENIED", 100)
        count = int(request.args.get("count", 10))
        mine = sorted((post for post in self.posts if post["author"] == author), key=lambda post: -post["createdAt"])
        return jsonify(paging={"start": 0, "count": count, "links": []}, elements=[
            {"id": post["id"], "author": post["author"], "commentary": post["commentary"],
             "createdAt": post["createdAt"], "publishedAt": post["publishedAt"], "lifecycleState": "PUBLISHED",
             "visibility": post["body"]["visibility"]} for post in mine[:count]])

    def _post(self, urn: str) -> dict | None:
        return next((post for post in self.posts if post["id"] == urn), None)

    def _social_actions(self, urn: str):
        if self._post(urn) is None:
            return error(404, f"{urn} not found", "NOT_FOUND")
        return jsonify(target=urn, likesSummary={"totalLikes": POST_STATS["likeCount"], "likedByCurrentUser": False},
                       commentsSummary={"aggregatedTotalComments": POST_STATS["commentCount"],
                                        "totalFirstLevelComments": POST_STATS["commentCount"]})

    def _share_statistics(self):
        organization = request.args.get("organizationalEntity", "")
        urns = _restli_list(request.args.get("shares", "")) or _restli_list(request.args.get("ugcPosts", ""))
        if request.args.get("q") != "organizationalEntity" or not self._owner_allowed(organization):
            return error(403, "Not enough permissions to read the statistics", "ACCESS_DENIED", 100)
        return jsonify(paging={"start": 0, "count": 10, "links": []}, elements=[
            {"organizationalEntity": organization, "share": urn, "totalShareStatistics": dict(POST_STATS)}
            for urn in urns if self._post(urn) is not None])

    def _network_size(self, urn: str):
        if request.args.get("edgeType") != "COMPANY_FOLLOWED_BY_MEMBER":
            return error(400, "edgeType is required", "ILLEGAL_ARGUMENT")
        return jsonify(firstDegreeSize=ORGANIZATION_FOLLOWERS)

    def _member_followers(self):
        if request.args.get("q") != "me":
            return error(400, "q=me is required", "ILLEGAL_ARGUMENT")
        return jsonify(elements=[{"memberFollowersCount": MEMBER_FOLLOWERS}], paging={"start": 0, "count": 10})
