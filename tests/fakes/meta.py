"""Meta's three publishing APIs as loopback fakes: Facebook Pages, Instagram (Facebook or Instagram login) and
Threads. Each offers the surface every fake shares: the OAuth dialog auto-approving, `published()`,
`expire_access_tokens()`, `revoke()` and stable metrics; media is fetched from the URLs a publish names."""

from tests.fakes.meta_facebook import FakeFacebook
from tests.fakes.meta_instagram import FakeInstagram
from tests.fakes.meta_threads import FakeThreads

FAKE_CLASSES = (FakeFacebook, FakeInstagram, FakeThreads)

__all__ = ["FAKE_CLASSES", "FakeFacebook", "FakeInstagram", "FakeThreads"]
