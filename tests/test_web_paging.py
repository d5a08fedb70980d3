"""Long lists come a page at a time, newest first, with links to the pages next to it (keyset: the page just older
or just newer than one of its rows): a campaign's leads, posts by day, comments, a webhook's delivery log. Walking
the links shows every row once, even rows written together, and a link keeps the list's filter."""

import re
import uuid
from datetime import UTC, datetime, timedelta

from app.comments import service as comments
from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from app.posts import service as posts
from app.users.passwords import set_password
from tests.conftest import bearer, make_user

PASSWORD = "correct horse battery"


def _sign_in(app, user):
    set_password(user, PASSWORD)
    db.session.commit()
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf})
    return client


def _link(page: str, marker: str) -> str | None:
    found = re.search(rf'href="([^"]+)" {marker}', page)
    return found.group(1).replace("&amp;", "&") if found else None


def _walk(client, path: str, shown, marker: str = 'rel="next"') -> list[tuple[str, str, list]]:
    """Every page from `path` on, following the older link: (path, html, what `shown` finds on it)."""
    pages = []
    while path:
        page = client.get(path).get_data(as_text=True)
        pages.append((path, page, shown(page)))
        path = _link(page, marker)
    return pages


def _names_in_table(page: str) -> list[str]:
    table = page[page.index('id="leads-table"'):]
    return re.findall(r'rel="noopener noreferrer">([^<]+)</a>', table[:table.index("</table>")])


def test_older_and_newer_walk_every_lead_once_even_when_added_together(app):
    user, token = make_user()
    client, api = _sign_in(app, user), app.test_client()
    campaign = api.post("/api/v1/campaigns", headers=bearer(token), json={"name": "Paged"}).get_json()
    people = [{"name": f"Person {index:03}", "profileUrl": f"https://www.linkedin.com/in/person-{index}/"}
              for index in range(120)]  # one request: every lead has the same created_at
    assert api.post("/api/v1/leads", headers=bearer(token),
                    json={"campaignId": campaign["id"], "leads": people}).status_code == 201
    pages = _walk(client, f"/campaigns/{campaign['id']}", _names_in_table)
    assert [len(names) for _, _, names in pages] == [50, 50, 20]
    seen = [name for _, _, names in pages for name in names]
    assert sorted(seen) == sorted(person["name"] for person in people)  # each once, none skipped
    assert _link(pages[0][1], 'rel="prev"') is None
    for newer, older in zip(pages, pages[1:], strict=False):
        assert _names_in_table(client.get(_link(older[1], 'rel="prev"')).get_data(as_text=True)) == newer[2]


def test_lead_pages_keep_the_status_filter_and_refuse_a_bad_anchor(app):
    user, token = make_user()
    client, api = _sign_in(app, user), app.test_client()
    campaign = api.post("/api/v1/campaigns", headers=bearer(token), json={"name": "Paged"}).get_json()
    people = [{"name": f"Person {index:03}", "profileUrl": f"https://www.linkedin.com/in/person-{index}/"}
              for index in range(60)]
    api.post("/api/v1/leads", headers=bearer(token), json={"campaignId": campaign["id"], "leads": people})
    first = client.get(f"/campaigns/{campaign['id']}?status=new").get_data(as_text=True)
    older = _link(first, 'rel="next"')
    assert "status=new" in older
    assert len(_names_in_table(client.get(older).get_data(as_text=True))) == 10
    assert client.get(f"/campaigns/{campaign['id']}?status=replied").get_data(as_text=True).count("No leads with") == 1
    refused = client.get(f"/campaigns/{campaign['id']}?before=not-a-lead")
    assert refused.status_code == 400 and "before" in refused.get_data(as_text=True)
    gone = client.get(f"/campaigns/{campaign['id']}?after={uuid.uuid4()}").get_data(as_text=True)
    assert _names_in_table(gone) == _names_in_table(client.get(f"/campaigns/{campaign['id']}").get_data(as_text=True))


def test_posts_come_fifty_at_a_time_by_day_latest_first(app):
    user, _ = make_user()
    start = datetime(2031, 1, 1, 9, 0, tzinfo=UTC)
    made = [posts.create_post(user.team_id, {"content": f"Post {index}",
                                             "scheduledFor": start + timedelta(hours=8 * index)})
            for index in range(120)]  # three a day for forty days
    client = _sign_in(app, user)
    pages = _walk(client, "/posts", lambda page: re.findall(r'data-post="([^"]+)"', page))
    assert [len(ids) for _, _, ids in pages] == [50, 50, 20]
    latest_first = [str(post.id) for post in sorted(made, key=lambda post: post.scheduled_for, reverse=True)]
    assert [post_id for _, _, ids in pages for post_id in ids] == latest_first
    first = pages[0][1]
    day_headings = [re.findall(r"<h3>([^<]+)</h3>", page) for _, page, _ in pages]
    assert day_headings[0][0] == made[-1].scheduled_for.strftime("%A %d %B %Y")  # the latest day first
    assert day_headings[-1][-1] == "Wednesday 01 January 2031"
    assert all(len(days) == len(set(days)) for days in day_headings)  # a day is one heading on a page
    assert first.count(">Cancel</button>") == 50  # each scheduled post can still be cancelled
    back = client.get(_link(pages[1][1], 'rel="prev"')).get_data(as_text=True)
    assert re.findall(r'data-post="([^"]+)"', back) == pages[0][2]


def test_comments_come_fifty_at_a_time_each_still_approvable(app):
    user, _ = make_user()
    for index in range(60):
        comments.create_draft(user.team_id, {"postUrl": f"https://www.linkedin.com/feed/update/urn:li:activity:{index}/",
                                             "content": f"Comment {index}"})
    client = _sign_in(app, user)
    pages = _walk(client, "/posts", lambda page: re.findall(r'data-comment="([^"]+)"', page),
                  marker='data-comments-page="older"')
    assert [len(ids) for _, _, ids in pages] == [50, 10]
    assert len({comment_id for _, _, ids in pages for comment_id in ids}) == 60
    assert pages[1][1].count(">Approve</button>") == 10
    assert "Earlier posts" not in pages[0][1]  # no posts: the comments' links stand alone
    refused = client.get("/posts?comments_before=1%20OR%201=1")
    assert refused.status_code == 400 and "comments_before" in refused.get_data(as_text=True)


def test_the_delivery_log_comes_fifty_at_a_time_most_recent_first(app):
    user, _ = make_user()
    endpoint = WebhookEndpoint(team_id=user.team_id, url="https://crm.example.com/hooks", events=["*"],
                               secret="whsec_test")
    db.session.add(endpoint)
    db.session.flush()
    start = datetime(2031, 1, 1, tzinfo=UTC)
    for index in range(70):
        created = start + timedelta(minutes=index)
        event = WebhookEvent(team_id=user.team_id, name="lead.invited", data={}, created_at=created,
                             relayed_at=created)
        db.session.add(event)
        db.session.flush()
        db.session.add(WebhookDelivery(team_id=user.team_id, event_id=event.id, endpoint_id=endpoint.id,
                                       status="delivered", attempts=1, last_status_code=200 + index % 2,
                                       created_at=created, updated_at=created))
    client = _sign_in(app, user)
    pages = _walk(client, f"/webhooks/{endpoint.id}", lambda page: re.findall(r"2031-01-01 (\d\d:\d\d) UTC", page))
    assert [len(times) for _, _, times in pages] == [50, 20]
    assert [moment for _, _, times in pages for moment in times] == [
        (start + timedelta(minutes=index)).strftime("%H:%M") for index in reversed(range(70))]
    assert pages[1][1].count(">Redeliver</button>") == 20
    back = client.get(_link(pages[1][1], 'rel="prev"')).get_data(as_text=True)
    assert re.findall(r"2031-01-01 (\d\d:\d\d) UTC", back) == pages[0][2]
    refused = client.get(f"/webhooks/{endpoint.id}?after=yesterday")
    assert refused.status_code == 400 and "after" in refused.get_data(as_text=True)
    assert client.get(f"/webhooks/{uuid.uuid4()}?before={uuid.uuid4()}").status_code == 404
