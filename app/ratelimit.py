"""Who a request counts against: its token when valid, else the client address."""

from flask import request


def rate_limit_key() -> str:
    from app.auth import current_token  # late import: auth needs the models, which need extensions

    token = current_token() if request.path.startswith("/api/v1") else None
    if token is not None:
        return f"token:{token.id}"
    return f"ip:{request.remote_addr or 'unknown'}"
