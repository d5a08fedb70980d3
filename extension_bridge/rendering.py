"""A poll's answer rendered by PostgreSQL: each leased action as LeasedActionSchema's JSON object, made by the lease's
one statement (app.engine.execution.lease's `render`), and the answer's body joined from those texts.

A poll of 10 actions otherwise spent more of its CPU turning ~90 columns x 10 rows into Python objects and back
into JSON than in everything else it does. The objects are built from the schemas' own fields (app.common.sql_json),
and tests/test_extension_poll_render.py compares both renderings; SQLite (embedded mode) keeps the schemas'.
"""

import json

from flask import Response
from sqlalchemy import case, literal_column

from app.comments.schemas import CommentSchema
from app.common.sql_json import as_text, json_object, json_object_or_null
from app.leads.schemas import LeadSchema
from app.posts.schemas import PostSchema
from extension_bridge.schemas import LeasedActionSchema


def leased_action_json(sources):
    """LeasedActionSchema's JSON text of a leased action, from the columns of the action and of its lead, post and
    comment (each None when the action has none)."""
    action = sources["action"]
    subjects = {key: json_object_or_null(schema, sources[key], sources[key].id)
                for key, schema in (("lead", LeadSchema()), ("post", PostSchema()), ("comment", CommentSchema()))}
    step = case((action.status == "unknown", literal_column("'verify'")), else_=literal_column("'perform'"))
    return as_text(json_object(LeasedActionSchema(), action, given={"step": step, **subjects}))


def poll_response(answer: dict):
    """The body of GET /extension/actions: the rendered actions joined as they are (PollAnswerSchema's order), or
    the answer itself for PollAnswerSchema when its actions are plain dicts (SQLite) or there are none."""
    actions = answer["actions"]
    if not actions or not isinstance(actions[0], str):
        return answer
    body = '{"actions":[' + ",".join(actions) + '],"pollIntervalSeconds":' + json.dumps(answer["pollIntervalSeconds"])
    return Response(body + "}", mimetype="application/json")
