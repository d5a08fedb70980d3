"""Which adapter speaks for which platform. Each platform module exposes `ADAPTER`; add it to the tuple below."""

from __future__ import annotations

from app.platforms import facebook, instagram, linkedin, reddit, telegram, threads, tiktok, youtube
from app.platforms.base import PlatformAdapter

_MODULES: tuple = (
    facebook,
    instagram,
    linkedin,
    reddit,
    threads,
    tiktok,
    youtube,
    telegram,
)

ADAPTERS: dict[str, PlatformAdapter] = {module.ADAPTER.platform: module.ADAPTER for module in _MODULES}


def adapter_for(platform: str) -> PlatformAdapter | None:
    return ADAPTERS.get(platform)
