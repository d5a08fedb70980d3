"""Accept both spellings of documented request fields (`search_url` and `searchUrl`); answer in camelCase."""

import functools
import re
from collections.abc import Mapping

from marshmallow import ValidationError, pre_load

from app.common.schemas import StrictSchema


def camel(name: str) -> str:
    # Asked for every key of every lead of a batch. Keys come from clients: only short ones are remembered, and only
    # so many (a 4 MB key would otherwise stay in memory after its request was refused).
    return _remembered_camel(name) if len(name) <= _REMEMBERED_LENGTH else _camel(name)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


_REMEMBERED_LENGTH = 64
_remembered_camel = functools.lru_cache(maxsize=4096)(_camel)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


class CamelOrSnakeSchema(StrictSchema):
    """A strict schema whose fields are camelCase; a snake_case spelling of a field is accepted too."""

    @pre_load
    def _camel_keys(self, data, **kwargs):
        if not isinstance(data, Mapping):
            return data
        # Query strings arrive as webargs' MultiDictProxy: reading each key gives a list for list fields only.
        known = {f.data_key or name for name, f in self.fields.items()}
        result, spelled = {}, {}
        for key in data:
            value = data[key]
            target = camel(key) if "_" in key and camel(key) in known else key
            if target in result:
                raise ValidationError(f"given twice ({spelled[target]} and {key}); give one spelling", target)
            result[target] = value
            spelled[target] = key
        return result
