"""Small builders for the OpenAPI 3.1 description each built-in data service publishes in the
directory (``DataService.openapi``): what a client may ask and the shape of every answer."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

OPENAPI_VERSION = "3.1.0"


def text(description: str = "", *, enum: tuple[str, ...] = ()) -> Schema:
    schema: Schema = {"type": "string"}
    if enum:
        schema["enum"] = list(enum)
    if description:
        schema["description"] = description
    return schema


def day(description: str = "") -> Schema:
    schema: Schema = {"type": "string", "format": "date"}
    if description:
        schema["description"] = description
    return schema


def number(description: str = "", *, integer: bool = False) -> Schema:
    schema: Schema = {"type": "integer" if integer else "number"}
    if description:
        schema["description"] = description
    return schema


def money(description: str = "") -> Schema:
    """Amounts travel as decimal strings ("12500.00"), never as floats."""
    schema: Schema = {"type": "string", "pattern": r"^-?\d+(\.\d{1,2})?$"}
    if description:
        schema["description"] = description
    return schema


def flag(description: str = "") -> Schema:
    schema: Schema = {"type": "boolean"}
    if description:
        schema["description"] = description
    return schema


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict[str, Schema], *, description: str = "") -> Schema:
    """An object whose listed properties are all present (possibly null)."""
    schema: Schema = {"type": "object", "properties": properties, "required": list(properties)}
    if description:
        schema["description"] = description
    return schema


def array(items: Schema, description: str = "") -> Schema:
    schema: Schema = {"type": "array", "items": items}
    if description:
        schema["description"] = description
    return schema


PERSON_REF = obj(
    {
        "national_id": nullable(text("National ID number")),
        "full_name": text(),
        "date_of_birth": nullable(day()),
    }
)

_FOUND = {"found": {"type": "boolean", "const": True}}
_NOT_FOUND = obj({"found": {"type": "boolean", "const": False}})
_BAD_REQUEST = {
    "type": "object",
    "properties": {
        "found": {"type": "boolean", "const": False},
        "error": text(enum=("bad-request",)),
        "parameter": text("The query parameter at fault, when there is one"),
        "message": text(),
    },
    "required": ["found", "error", "message"],
}


def query_parameter(name: str, description: str, schema: Schema, *, required: bool = False) -> Schema:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


SUBJECT = query_parameter(
    "subject", "National ID number of the person the question is about", text(), required=True
)


def document(
    *,
    title: str,
    service_code: str,
    version: str,
    description: str,
    answer: dict[str, Schema],
    parameters: tuple[Schema, ...] = (),
) -> Schema:
    """The OpenAPI document of one data service; ``answer`` lists the properties of a 200 answer
    besides ``found``."""
    ok: Schema = {
        "type": "object",
        "properties": {**_FOUND, **answer},
        "required": ["found", *answer],
    }

    def json(schema: Schema, text_: str) -> Schema:
        return {"description": text_, "content": {"application/json": {"schema": schema}}}

    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": version, "description": description},
        "paths": {
            "/": {
                "get": {
                    "operationId": service_code,
                    "summary": title,
                    "parameters": [SUBJECT, *parameters],
                    "responses": {
                        "200": json(ok, "The registry holds data on the person"),
                        "400": json(_BAD_REQUEST, "The question is malformed"),
                        "404": json(_NOT_FOUND, "The registry holds nothing on the person"),
                    },
                }
            }
        },
    }
