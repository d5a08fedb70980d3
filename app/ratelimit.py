"""Who a request counts against: its token when valid, else the client address."""

from flask import request
from flask_limiter import Limiter

from app.auth import current_token


def rate_limit_key() -> str:
    token = current_token() if request.path.startswith("/api/v1") else None
    if token is not None:
        return f"token:{token.id}"
    return f"ip:{request.remote_addr or 'unknown'}"


limiter = Limiter(key_func=rate_limit_key)
