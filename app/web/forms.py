"""Reading web forms: every form goes through a marshmallow schema, after the hostile-string check the API uses."""

from flask import request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from app.common.fields import TrimmedString
from app.common.json_body import check_multidict
from app.errors import ApiError, validation_message
from app.models import DOCK_MODES, DOCK_PLANS, PLANS, ROLES


def parse(schema: Schema, data=None) -> dict:
    """The form (or `data`) loaded by `schema`; a 400 ApiError naming the field otherwise."""
    check_multidict(request.form)
    source = data if data is not None else {key: request.form.getlist(key) if key in schema.list_fields
                                            else request.form.get(key) for key in request.form}
    try:
        return schema.load(source)
    except ValidationError as error:
        raise ApiError(400, validation_message(error.messages)) from None


class FormSchema(Schema):
    """Unknown fields (the CSRF token, the submit button) are ignored; empty strings mean "not given"."""

    list_fields: tuple = ()

    class Meta:
        unknown = EXCLUDE

    def load(self, data, **kwargs):
        cleaned = {key: value for key, value in data.items() if value not in ("", None)}
        return super().load(cleaned, **kwargs)


class SignInForm(FormSchema):
    email = fields.String(required=True, validate=validate.Length(max=320))
    password = fields.String(required=True, validate=validate.Length(max=1000))


class SetPasswordForm(FormSchema):
    password = fields.String(required=True, validate=validate.Length(max=1000))
    confirm = fields.String(required=True, validate=validate.Length(max=1000))


class InviteForm(FormSchema):
    email = TrimmedString(required=True, validate=validate.Length(max=320))
    name = TrimmedString(required=True, validate=validate.Length(max=200))
    role = fields.String(load_default="member", validate=validate.OneOf(ROLES))


class RoleForm(FormSchema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class PlanForm(FormSchema):
    plan = fields.String(required=True, validate=validate.OneOf(PLANS))


class DockKeyForm(FormSchema):
    mode = fields.String(load_default="live", validate=validate.OneOf(DOCK_MODES))


class DockPlanForm(FormSchema):
    plan = fields.String(required=True, validate=validate.OneOf(DOCK_PLANS))


class WebhookForm(FormSchema):
    list_fields = ("events",)
    url = TrimmedString(required=True, validate=validate.Length(min=1, max=2000))
    events = fields.List(TrimmedString(validate=validate.Length(max=60)), load_default=list,
                         validate=validate.Length(max=20))
    description = TrimmedString(validate=validate.Length(max=500), load_default=None)


class AccountSettingsForm(FormSchema):
    list_fields = ("days",)
    timezone = TrimmedString(validate=validate.Length(1, 64))
    invitesPerDay = fields.Integer()
    invitesPerWeek = fields.Integer()
    messagesPerDay = fields.Integer()
    start = fields.String(validate=validate.Length(max=5))
    end = fields.String(validate=validate.Length(max=5))
    days = fields.List(fields.Integer(), load_default=list)


class PauseForm(FormSchema):
    until = fields.Date(load_default=None)
    reason = TrimmedString(validate=validate.Length(max=200), load_default=None)


class TemplatesForm(FormSchema):
    note = fields.String(validate=validate.Length(max=20000), load_default=None)
    message = fields.String(validate=validate.Length(max=20000), load_default=None)


class PageForm(FormSchema):
    """Which page of a list shown newest first (keyset: before or after one of its rows)."""

    before = fields.UUID(load_default=None)
    after = fields.UUID(load_default=None)


class LeadFilterForm(PageForm):
    status = fields.String(validate=validate.Length(max=20), load_default=None)


class PostsPageForm(PageForm):
    """Which page of posts (before, after) and which of comments."""

    comments_before = fields.UUID(load_default=None)
    comments_after = fields.UUID(load_default=None)


class PostForm(FormSchema):
    content = fields.String(required=True, validate=validate.Length(min=1, max=3000))
    scheduled_for = fields.String(validate=validate.Length(max=40), load_default=None)
    timezone_offset = fields.Integer(validate=validate.Range(-900, 900), load_default=0)
