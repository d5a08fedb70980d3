"""Headers every answer gets right."""

# Statuses whose Retry-After tells the client when to come back; on any other answer it is noise that
# clients honouring it would wait on for nothing.
_RETRY_STATUSES = {429, 503}


def retry_after_only_when_refused(response):
    """Flask-Limiter adds Retry-After to every answer when its headers are on; keep it only where it means something."""
    if response.status_code not in _RETRY_STATUSES:
        response.headers.pop("Retry-After", None)
    return response
