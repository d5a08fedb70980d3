"""Accept both spellings of documented request fields (`search_url` and `searchUrl`); answer in camelCase."""

from marshmallow import ValidationError, pre_load

from app.common.schemas import StrictSchema


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class CamelOrSnakeSchema(StrictSchema):
    """A strict schema whose fields are camelCase; a snake_case spelling of a field is accepted too."""

    @pre_load
    def _camel_keys(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        known = {f.data_key or name for name, f in self.fields.items()}
        result, spelled = {}, {}
        for key, value in data.items():
            target = camel(key) if "_" in key and camel(key) in known else key
            if target in result and result[target] != value:
                raise ValidationError(f"given twice with different values ({spelled[target]} and {key})", target)
            result[target] = value
            spelled[target] = key
        return result
