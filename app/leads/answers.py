"""Answers carrying many leads, built from the JSON texts PostgreSQL has for them (`leads.api_json`, or rendered by
a page's statement) instead of dumping each lead in Python (~15 ms of CPU for 500 leads). Without the texts (SQLite,
or a lead that has none), the answer's dict is returned for its schema to dump."""

import json

from flask import Response
from sqlalchemy import inspect

from app.leads.schemas import BulkLeadsResultSchema


class RenderedLeads(list):
    """A page's leads already rendered by PostgreSQL as LeadSchema's JSON objects (texts), in the page's order."""


def listed(page: dict):
    """The answer of GET /leads: PostgreSQL's rendering joined as is, else the page for LeadListSchema."""
    leads = page["leads"]
    if not leads or not isinstance(leads, RenderedLeads):
        return page
    body = '{"leads":[' + ",".join(leads) + "]"
    if "nextCursor" in page:
        body += ',"nextCursor":' + json.dumps(page["nextCursor"])
    return Response(body + "}", mimetype="application/json")


_WITHOUT_LEADS = []  # BulkLeadsResultSchema without its last field, built on first use


def added(result: dict):
    """The answer of POST /leads (201): BulkLeadsResultSchema's fields, `leads` (its last) joined from the texts
    the insert returned with the leads; else the result for the schema to dump."""
    texts = [inspect(lead).dict.get("api_json") for lead in result["leads"]]  # loaded on PostgreSQL only
    if not texts or None in texts:
        return result
    if not _WITHOUT_LEADS:
        _WITHOUT_LEADS.append(BulkLeadsResultSchema(exclude=("leads",)))
    head = json.dumps(_WITHOUT_LEADS[0].dump(result))
    return Response(head[:-1] + ',"leads":[' + ",".join(texts) + "]}", status=201, mimetype="application/json")
