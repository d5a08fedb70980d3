"""The poll's rendered statement is cached per lease UPDATE (app.engine.execution): the cache must keep that UPDATE
alive. Two polls that build the same shape at once each build one (app.actions.service keeps the last); the other
is used once. Were its cache entry keyed by a freed object's id, the next lease UPDATE given that address (another
batch size, or invites paused) would run the first one's SQL."""

import gc
import weakref

from app.actions import service as actions
from app.engine import execution
from extension_bridge.rendering import leased_action_json


def test_a_cached_rendered_lease_keeps_its_lease_update_alive():
    built_by_the_other_poll = actions._build_lease_statement(False, True, 3)
    execution._rendered_statement(built_by_the_other_poll, False, leased_action_json)
    watched = weakref.ref(built_by_the_other_poll)
    del built_by_the_other_poll
    gc.collect()
    assert watched() is not None, "the cache is keyed by the id of an UPDATE it lets go: the id can be reused"
