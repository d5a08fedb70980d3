"""`/api/v1/me`: who the token belongs to, and rotating that token."""

from flask_smorest import Blueprint

from app.auth import current_user
from app.extensions import db
from app.me.schemas import MeSchema, RotatedTokenSchema
from app.tokens import rotate_token

blueprint = Blueprint("me", __name__, url_prefix="/api/v1/me", description="The calling user")


@blueprint.get("")
@blueprint.response(200, MeSchema)
def me():
    """Confirm a token works; returns your identity."""
    return current_user()


@blueprint.post("/token/rotate")
@blueprint.response(200, RotatedTokenSchema)
def rotate():
    """Revoke the calling token and return a new one (shown once)."""
    token = rotate_token(current_user())
    db.session.commit()
    return {"token": token}
