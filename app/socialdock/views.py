"""SocialDock's REST API (`<prefix>/api/v1/...`): thin views, each parses with a schema, calls one service
function and answers in the envelope."""

from types import SimpleNamespace

from flask_smorest import Blueprint

from app.extensions import db
from app.socialdock import accounts, analytics, media, posts, webhooks
from app.socialdock import schemas as s
from app.socialdock.gate import current_caller
from app.socialdock.public import connect_url
from app.socialdock.schemas import envelope

accounts_blp = Blueprint("socialdock_accounts", __name__, description="Accounts")
posts_blp = Blueprint("socialdock_posts", __name__, description="Posts")
analytics_blp = Blueprint("socialdock_analytics", __name__, description="Analytics")
media_blp = Blueprint("socialdock_media", __name__, description="Media")
webhooks_blp = Blueprint("socialdock_webhooks", __name__, description="Webhooks")
# (blueprint, path under <prefix>/api/v1)
BLUEPRINTS = ((accounts_blp, "/accounts"), (posts_blp, "/posts"), (analytics_blp, "/analytics"),
              (media_blp, "/media"), (webhooks_blp, "/webhooks"))

Success = envelope(s.SuccessSchema, "DockSuccess")


def ok(data, **meta) -> dict:
    return {"data": data, "error": None, "meta": meta}


# Accounts


@accounts_blp.post("/connect")
@accounts_blp.arguments(s.ConnectInputSchema, example={"platform": "linkedin",
                                                       "redirect_url": "https://yourapp.com/oauth/callback"})
@accounts_blp.response(200, envelope(s.ConnectSchema, "DockConnect"))
def connect(data):
    """Start connecting an account: redirect your user to `connect_url` (a test key connects a sandbox account at
    once)."""
    row, token = accounts.start_connect(current_caller(), data["platform"], data.get("redirect_url"))
    db.session.commit()
    return ok({"connect_url": connect_url(token), "token": token, "expires_at": row.expires_at,
               "platform": row.platform})


@accounts_blp.get("")
@accounts_blp.response(200, envelope(s.AccountListSchema, "DockAccounts"))
def list_accounts():
    """Connected accounts."""
    return ok({"accounts": accounts.list_accounts(current_caller())})


@accounts_blp.get("/status")
@accounts_blp.arguments(s.AccountStatusQuerySchema, location="query")
@accounts_blp.response(200, envelope(s.AccountStatusSchema, "DockAccountStatus"))
def account_status(query):
    """Each account's status (active, disconnected with the reason), optionally of one platform."""
    return ok(accounts.account_status(current_caller(), query.get("platform")))


@accounts_blp.delete("/<account_id>")
@accounts_blp.response(200, envelope(s.DisconnectSchema, "DockDisconnect"))
def disconnect(account_id):
    """Disconnect an account; its scheduled targets are withdrawn (they end failed, post_failed fires)."""
    answer = accounts.disconnect(current_caller(), account_id)
    db.session.commit()
    return ok(answer)


@accounts_blp.get("/<account_id>/analytics")
@accounts_blp.response(200, envelope(s.AccountAnalyticsSchema, "DockAccountAnalytics"))
def account_analytics(account_id):
    """Follower and growth metrics as last fetched (nulls until they are known)."""
    return ok(analytics.account_analytics(current_caller(), account_id))


# Posts


@posts_blp.post("")
@posts_blp.arguments(s.PostInputSchema, example={
    "text": "Hello from SocialDock!", "targets": [{"platform": "linkedin", "account_id": "acc_01hx..."}],
    "publish_now": True})
@posts_blp.response(200, envelope(s.CreatedPostSchema, "DockCreatedPost"))
def create_post(data):
    """Publish now or schedule, to one or more accounts; each target has its own status."""
    post, _rows = posts.create_post(current_caller(), data)
    db.session.commit()
    return ok(posts.with_targets(post))


@posts_blp.get("")
@posts_blp.arguments(s.PostListQuerySchema, location="query")
@posts_blp.response(200, envelope(s.PostListSchema, "DockPosts", s.ListMetaSchema))
def list_posts(query):
    """Posts, newest first, with `meta.total`."""
    rows, total = posts.list_posts(current_caller(), query.get("status"), query.get("platform"), query["limit"],
                                   query["offset"])
    return ok({"posts": rows}, total=total, limit=query["limit"], offset=query["offset"])


@posts_blp.get("/<post_id>")
@posts_blp.response(200, envelope(s.PostDetailSchema, "DockPost"))
def get_post(post_id):
    """One post with its targets and media."""
    return ok(posts.with_targets(posts.get_post(current_caller(), post_id)))


@posts_blp.put("/<post_id>")
@posts_blp.arguments(s.PostUpdateSchema, example={"text": "Updated caption for the drop!",
                                                  "scheduled_at": "2026-04-01T12:00:00Z"})
@posts_blp.response(200, envelope(s.UpdatedPostSchema, "DockUpdatedPost"))
def update_post(changes, post_id):
    """Change a scheduled post (only the fields given); 409 once it is publishing or done."""
    post = posts.update_post(current_caller(), post_id, changes)
    db.session.commit()
    return ok({"post": post})


@posts_blp.delete("/<post_id>")
@posts_blp.response(200, Success)
def delete_post(post_id):
    """Delete a post; targets not yet published are withdrawn (published copies stay on their platforms)."""
    posts.delete_post(current_caller(), post_id)
    db.session.commit()
    return ok({"success": True})


@posts_blp.get("/<post_id>/analytics")
@posts_blp.response(200, envelope(s.PostAnalyticsSchema, "DockPostAnalytics"))
def post_analytics(post_id):
    """Per-target engagement (views, likes, comments, shares) with when it was fetched."""
    return ok(analytics.post_analytics(current_caller(), post_id))


# Analytics


@analytics_blp.get("/overview")
@analytics_blp.arguments(s.OverviewQuerySchema, location="query")
@analytics_blp.response(200, envelope(s.OverviewSchema, "DockOverview"))
def overview(query):
    """Workspace summary over 7d, 30d (default) or 90d."""
    return ok(analytics.overview(current_caller(), query["period"]))


# Media


@media_blp.post("")
@media_blp.arguments(s.MediaInputSchema, example={"url": "https://example.com/product-photo.jpg",
                                                  "file_name": "product-photo.jpg"})
@media_blp.response(200, envelope(s.MediaSchema, "DockMedia"))
def upload_media(data):
    """Fetch an image or video from a public https URL; use the answer's `url` in `media_urls`."""
    row = media.fetch_media(current_caller(), data["url"], data.get("file_name"))
    db.session.commit()
    row.url = media.media_url(row)
    return ok(row)


# Webhooks


@webhooks_blp.post("")
@webhooks_blp.arguments(s.WebhookInputSchema, example={
    "url": "https://yourapp.com/webhooks/socialdock", "events": ["post_published", "post_failed"],
    "secret": "your_signing_secret"})
@webhooks_blp.response(200, envelope(s.WebhookCreatedSchema, "DockWebhook"))
def create_webhook(data):
    """Register an endpoint; without `secret` one is generated and shown only in this answer."""
    endpoint, generated = webhooks.create(current_caller(), data["url"], data["events"], data.get("secret"))
    db.session.commit()
    answer = SimpleNamespace(id=endpoint.id, url=endpoint.url, events=endpoint.events, active=endpoint.active)
    if generated:
        answer.secret = endpoint.secret
    return ok(answer)


@webhooks_blp.get("")
@webhooks_blp.response(200, envelope(s.WebhookListSchema, "DockWebhooks"))
def list_webhooks():
    """Registered endpoints (never their secrets)."""
    return ok({"webhooks": webhooks.list_all(current_caller())})


@webhooks_blp.delete("/<webhook_id>")
@webhooks_blp.response(200, Success)
def delete_webhook(webhook_id):
    """Delete an endpoint (its pending deliveries go with it)."""
    webhooks.delete(current_caller(), webhook_id)
    db.session.commit()
    return ok({"success": True})

