"""Posts and comments: scheduled and published posts by day, create and cancel; comments to approve. Both lists
come 50 at a time (a person reads a day or a screenful at once), with links to the next and previous pages."""

from itertools import groupby

from flask import redirect, render_template, request, url_for

from app.comments import service as comments
from app.posts import service as posts
from app.posts.schemas import PostInputSchema
from app.web import forms
from app.web.pages import current_user, run, web_blueprint

blueprint = web_blueprint("web_posts", url_prefix="/posts")
PAGE_SIZE = 50


def _day(post):
    moment = post.published_at or post.scheduled_for or post.created_at
    return moment.date()


@blueprint.get("")
def list_posts():
    team_id = current_user().team_id
    query = forms.parse(forms.PostsPageForm(), {key: request.args.get(key) for key in forms.PostsPageForm().fields})
    post_page = posts.posts_page(team_id, query["before"], query["after"], PAGE_SIZE)
    days = [(day, list(items)) for day, items in groupby(post_page.rows, key=_day)]
    return render_template("web/posts.html", user=current_user(), days=days, post_page=post_page,
                           comment_page=comments.comments_page(team_id, query["comments_before"],
                                                               query["comments_after"], PAGE_SIZE))


@blueprint.post("")
def create():
    data = forms.parse(forms.PostForm())
    body = {"content": data["content"]}
    if data["scheduled_for"]:  # a datetime-local field, in UTC as the page says
        value = data["scheduled_for"]
        body["scheduledFor"] = f"{value}:00Z" if len(value) == 16 else f"{value}Z"
    back, _ = run(lambda: posts.create_post(current_user().team_id, forms.parse(PostInputSchema(), body)),
                  url_for(".list_posts"), "Post scheduled.")
    return back or redirect(url_for(".list_posts"))


@blueprint.post("/<post_id>/cancel")
def cancel(post_id):
    back, _ = run(lambda: posts.cancel_post(current_user().team_id, post_id), url_for(".list_posts"),
                  "Post cancelled: it will not be published.")
    return back or redirect(url_for(".list_posts"))


@blueprint.post("/comments/<comment_id>/approve")
def approve_comment(comment_id):
    back, _ = run(lambda: comments.approve(current_user().team_id, comment_id), url_for(".list_posts") + "#comments",
                  "Comment approved: the extension posts it next time it is online.")
    return back or redirect(url_for(".list_posts") + "#comments")
