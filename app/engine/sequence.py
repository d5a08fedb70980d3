"""Where each lead is in its campaign's sequence, and when its next step is due.

new -> (targeting) queued -> invite -> invited -> (accepted) connected -> first message
-> messaged -> follow-ups ... A reply at any point ends the sequence (replied).
An invite not accepted within N days is withdrawn and the lead ends skipped.
"""

from datetime import datetime, timedelta

from app.caps.policy import DEFAULT_FIRST_MESSAGE_DELAY_HOURS, DEFAULT_INVITE_EXPIRY_DAYS

ACTIVE_LEAD_STATUSES = ("queued", "invited", "connected", "messaged")
FINAL_LEAD_STATUSES = ("replied", "skipped", "failed")


def targeting_verdict(targeting: dict | None, title: str | None) -> str | None:
    """None when the title matches the campaign's targeting, else the reason it does not."""
    targeting = targeting or {}
    lowered = (title or "").lower()
    for keyword in targeting.get("excludeKeywords") or []:
        if keyword and keyword.lower() in lowered:
            return f"title matches excluded keyword '{keyword}'"
    keywords = [k for k in targeting.get("titleKeywords") or [] if k]
    if keywords and not any(k.lower() in lowered for k in keywords):
        return "title matches none of the targeting keywords"
    return None


def next_message_template(templates: dict | None, messages_sent: int) -> tuple[str | None, int | None]:
    """The body of the next message and the days it waits after the previous one (None: sequence done)."""
    templates = templates or {}
    if messages_sent == 0:
        return templates.get("message"), None
    follow_ups = templates.get("followUps") or []
    index = messages_sent - 1
    if index < len(follow_ups):
        step = follow_ups[index]
        return step.get("body"), step.get("afterDays")
    return None, None


def schedule_next_step(lead, campaign, now: datetime) -> None:
    """Set `lead.next_step_at` from its status and timestamps (None: nothing more is planned)."""
    settings = campaign.settings or {}
    status = lead.status
    if status in ("new", "queued"):
        lead.next_step_at = now
    elif status == "invited":
        days = settings.get("inviteExpiryDays") or DEFAULT_INVITE_EXPIRY_DAYS
        lead.next_step_at = (lead.invited_at or now) + timedelta(days=days)
    elif status == "connected":
        if not (campaign.templates or {}).get("message"):
            lead.next_step_at = None
            return
        hours = settings.get("firstMessageDelayHours", DEFAULT_FIRST_MESSAGE_DELAY_HOURS)
        lead.next_step_at = (lead.connected_at or now) + timedelta(hours=hours)
    elif status == "messaged":
        body, after_days = next_message_template(campaign.templates, lead.messages_sent or 0)
        if not body:
            lead.next_step_at = None
            return
        lead.next_step_at = (lead.last_messaged_at or now) + timedelta(days=after_days or 0)
    else:  # replied, skipped, failed: final
        lead.next_step_at = None
