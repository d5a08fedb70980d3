"""Meta's APIs take the access token (and, exchanging tokens, the app secret) as query parameters, and urllib3 logs
every request's URL at DEBUG: with LOG_LEVEL=DEBUG and the plain format no token, secret or proof reaches a line,
whoever configured the handler."""

import io
import logging

import pytest

from app.logging_setup import PlainFormatter
from app.platforms import facebook
from app.platforms.attempt import publish_once
from app.platforms.meta_graph import appsecret_proof
from tests.fakes.base import lose_answer
from tests.fakes.context import context
from tests.fakes.meta import FakeFacebook
from tests.meta_helpers import connected

ADAPTER = facebook.ADAPTER


@pytest.fixture(params=["a plain handler of anyone's", "the app's plain format"])
def debug_log(request):
    """Everything logged at DEBUG, written as plain text by a root handler."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    formatter = logging.Formatter if request.param.startswith("a plain") else PlainFormatter
    handler.setFormatter(formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_debug_log_of_connecting_and_publishing_holds_no_meta_credential(debug_log):
    with FakeFacebook() as fake:
        app, tokens = connected(ADAPTER, fake)
        [page] = ADAPTER.identities(app, tokens)
        ctx = context(app, page.tokens, page, text="Logged at DEBUG")
        fake.arm("POST", f"/{page.platform_account_id}/feed", lose_answer())  # then read back from the feed
        publish_once(ADAPTER, ctx, lambda: ADAPTER.refresh(ctx.app, ctx.tokens))
        assert len(fake.published()) == 1
    written = debug_log.getvalue()
    for redacted in ("access_token=[redacted]", "client_secret=[redacted]", "fb_exchange_token=[redacted]",
                     "appsecret_proof=[redacted]", "&code=[redacted]"):
        assert redacted in written  # urllib3 did log the calls, the credentials replaced
    for secret in (tokens.access_token, page.tokens.access_token, app.client_secret,
                   appsecret_proof(page.tokens.access_token, app.client_secret)):
        assert secret not in written
