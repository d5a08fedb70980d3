"""Shared setup for the extension bridge tests: a team with an account, a campaign, leads and actions."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from app.actions.service import create_action
from app.clock import ManualClock
from app.extensions import db
from app.models import Campaign, Lead, LinkedInAccount, WebhookEvent
from tests.conftest import bearer, make_user

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday, inside default working hours


class Team:
    def __init__(self, app, client, profile="https://www.linkedin.com/in/sender/"):
        self.app, self.client = app, client
        self.clock = ManualClock(START)
        app.config["CLOCK"] = self.clock
        user, token = make_user()
        self.team_id, self.headers = user.team_id, bearer(token)
        answer = client.post("/api/v1/extension/heartbeat", headers=self.headers, json={
            "extensionVersion": "1.0.0", "linkedinAccount": {"profileUrl": profile, "name": "Sender"},
            "timezone": "UTC"})
        assert answer.status_code == 200, answer.get_json()
        self.account_id = uuid.UUID(answer.get_json()["accountId"])
        self.headers["X-LinkedIn-Account"] = str(self.account_id)
        self.campaign = Campaign(team_id=self.team_id, name="Q4", status="active", targeting={}, settings={},
                                 templates={"note": "Hi {{first_name}}"})
        db.session.add(self.campaign)
        db.session.commit()

    @property
    def account(self):
        return db.session.get(LinkedInAccount, self.account_id)

    def lead(self, slug="ada", status="queued", name="Ada Lovelace"):
        lead = Lead(team_id=self.team_id, campaign_id=self.campaign.id, name=name, first_name=name.split()[0],
                    profile_url=f"https://www.linkedin.com/in/{slug}/", status=status, tags=[], custom_fields={})
        db.session.add(lead)
        db.session.commit()
        return lead

    def action(self, kind="invite", lead=None, text="Hi Ada", due_at=None, **targets):
        campaign_id = self.campaign.id if lead else None
        action = create_action(self.team_id, self.account_id, kind, lead=lead, campaign_id=campaign_id, text=text,
                               due_at=due_at or self.clock(), **targets)
        db.session.commit()
        return action

    def poll(self, limit=5, headers=None):
        response = self.client.get(f"/api/v1/extension/actions?limit={limit}", headers=headers or self.headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["actions"]

    def start(self, leased):
        return self.client.post(f"/api/v1/extension/actions/{leased['id']}/start", headers=self.headers,
                                json={"leaseToken": leased["leaseToken"]})

    def report(self, leased, outcome="done", **extra):
        body = {"leaseToken": leased["leaseToken"], "outcome": outcome, "occurredAt": "2026-03-02T10:01:00Z", **extra}
        return self.client.post(f"/api/v1/extension/actions/{leased['id']}/result", headers=self.headers, json=body)

    def observe(self, kind, profile_url, **extra):
        return self.client.post("/api/v1/extension/events", headers=self.headers,
                                json={"type": kind, "profileUrl": profile_url, "occurredAt": "2026-03-03T09:00:00Z",
                                      **extra})


def events(name=None):
    db.session.expire_all()
    statement = select(WebhookEvent).order_by(WebhookEvent.created_at)
    if name:
        statement = statement.where(WebhookEvent.name == name)
    return db.session.scalars(statement).all()
