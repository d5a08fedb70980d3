"""Webhooks: register (secret shown once), events incl. `*`, edit, deactivate/reactivate, test, rotate the secret,
and the delivery log with redeliver. Every action is a call of app.webhooks.service, as in the REST API."""

from flask import redirect, render_template, request, url_for

from app.web import forms
from app.web.pages import current_user, run, web_blueprint
from app.webhooks import service
from app.webhooks.outbox import ALL_EVENTS, EVENT_NAMES

blueprint = web_blueprint("web_webhooks", url_prefix="/webhooks")
LOG_PAGE = 50  # deliveries a page of the log shows


def _team():
    return current_user().team_id


def _list(**shown):
    return render_template("web/webhooks.html", user=current_user(), webhooks=service.list_endpoints(_team()),
                           event_names=EVENT_NAMES, all_events=ALL_EVENTS, **shown)


def _detail(webhook_id, before=None, after=None, **shown):
    endpoint = service.get_endpoint(_team(), webhook_id)
    return render_template("web/webhook.html", user=current_user(), webhook=endpoint,
                           log=service.delivery_log_page(_team(), endpoint.id, before, after, LOG_PAGE),
                           event_names=EVENT_NAMES, all_events=ALL_EVENTS, **shown)


@blueprint.get("")
def list_webhooks():
    return _list()


@blueprint.post("")
def create():
    data = forms.parse(forms.WebhookForm())
    back, endpoint = run(lambda: service.create_endpoint(_team(), data["url"], data["events"],
                                                         description=data["description"]),
                         url_for(".list_webhooks"))
    return back or _detail(endpoint.id, secret=endpoint.secret, secret_is_new=True)


@blueprint.get("/<webhook_id>")
def detail(webhook_id):
    query = forms.parse(forms.PageForm(), {key: request.args.get(key) for key in ("before", "after")})
    return _detail(webhook_id, query["before"], query["after"])


@blueprint.post("/<webhook_id>")
def update(webhook_id):
    data = forms.parse(forms.WebhookForm())
    back, _ = run(lambda: service.update_endpoint(_team(), webhook_id, data), url_for(".detail", webhook_id=webhook_id),
                  "Saved.")
    return back or redirect(url_for(".detail", webhook_id=webhook_id))


def _set_active(webhook_id, active: bool):
    back, _ = run(lambda: service.update_endpoint(_team(), webhook_id, {"active": active}),
                  url_for(".detail", webhook_id=webhook_id),
                  "Reactivated: new events are delivered again." if active else
                  "Deactivated: nothing is delivered and pending deliveries were given up.")
    return back or redirect(url_for(".detail", webhook_id=webhook_id))


@blueprint.post("/<webhook_id>/deactivate")
def deactivate(webhook_id):
    return _set_active(webhook_id, False)


@blueprint.post("/<webhook_id>/reactivate")
def reactivate(webhook_id):
    return _set_active(webhook_id, True)


@blueprint.post("/<webhook_id>/test")
def test(webhook_id):
    back, result = run(lambda: service.send_test(_team(), webhook_id), url_for(".detail", webhook_id=webhook_id))
    return back or _detail(webhook_id, test=result)


@blueprint.post("/<webhook_id>/rotate-secret")
def rotate_secret(webhook_id):
    back, endpoint = run(lambda: service.rotate_secret(_team(), webhook_id), url_for(".detail", webhook_id=webhook_id))
    return back or _detail(endpoint.id, secret=endpoint.secret)


@blueprint.post("/<webhook_id>/delete")
def delete(webhook_id):
    back, _ = run(lambda: service.delete_endpoint(_team(), webhook_id), url_for(".detail", webhook_id=webhook_id),
                  "The webhook and its delivery log were deleted.")
    return back or redirect(url_for(".list_webhooks"))


@blueprint.post("/<webhook_id>/deliveries/<delivery_id>/redeliver")
def redeliver(webhook_id, delivery_id):
    back, _ = run(lambda: service.redeliver(_team(), webhook_id, delivery_id),
                  url_for(".detail", webhook_id=webhook_id), "Queued again: it is sent within seconds.")
    return back or redirect(url_for(".detail", webhook_id=webhook_id) + "#log")
