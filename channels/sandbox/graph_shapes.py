"""How the fake Graph API shapes its answers: `fields` selection, cursor paging, error bodies."""

import base64
import json
import secrets
from urllib.parse import urlencode

from .graph_state import public

# What Graph returns for an object when the request names no fields.
DEFAULT_FIELDS = {
    "page": "id,name",
    "post": "created_time,message,id",
    "comment": "created_time,from,message,id",
    "conversation": "id,link,updated_time",
    "message": "id,created_time",
}
DEFAULT_LIMIT, MAX_LIMIT = 25, 100
ERROR_MESSAGES = {
    1: "An unknown error occurred",
    2: "An unexpected error has occurred. Please retry your request later.",
    4: "(#4) Application request limit reached",
    10: "(#10) Application does not have permission for this action",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    100: "(#100) Invalid parameter",
    190: "Error validating access token: Session has expired.",
    200: "(#200) Permissions error",
    613: "(#613) Calls to this api have exceeded the rate limit.",
}


class ApiError(Exception):
    """An error answer in Graph's shape."""

    def __init__(self, code, message=None, *, status=400, subcode=None, headers=None):
        super().__init__(message or ERROR_MESSAGES.get(code, "An unknown error occurred"))
        self.code, self.status, self.subcode = code, status, subcode
        self.headers = headers or {}

    def body(self):
        error = {"message": str(self), "type": "OAuthException", "code": self.code, "fbtrace_id": _trace_id()}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.code in (1, 2):
            error["is_transient"] = True
        return {"error": error}


def unsupported(method, object_id):
    return ApiError(
        100,
        f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        subcode=33,
    )


# ---- parameters -------------------------------------------------------------------------------


def unix_time(value):
    """`since` and `until`: unix times (Graph also reads strtotime strings; our client sends numbers)."""
    try:
        return float(value) if value not in (None, "") else None
    except ValueError as error:
        raise ApiError(100, f"(#100) Not a unix time: {value}") from error


def json_or_text(value):
    # The Send API takes form fields too, with objects written as JSON.
    try:
        return json.loads(value)
    except ValueError:
        return value


# ---- fields -----------------------------------------------------------------------------------


def split_fields(spec):
    """'id,parent{id},comments.summary(true).limit(0)' -> ['id', 'parent{id}',
    'comments.summary(true).limit(0)']."""
    fields, depth, current = [], 0, ""
    for char in spec or "":
        if char in "{(":
            depth += 1
        elif char in "})":
            depth -= 1
        if char == "," and depth == 0:
            fields.append(current.strip())
            current = ""
        else:
            current += char
    return [field for field in [*fields, current.strip()] if field]


def select(graph_object, spec, kind, edges=None):
    """The object with only the fields asked for; `edges` renders fields that are edges (a post's
    comments)."""
    shown = public(graph_object)
    selected = {}
    for field in split_fields(spec or DEFAULT_FIELDS[kind]):
        name, _, nested = field.partition("{")
        name = name.split(".")[0]
        if edges and name in edges:
            selected[name] = edges[name](field)
        elif name in shown:
            value = shown[name]
            if nested and isinstance(value, dict):
                value = {key: value[key] for key in split_fields(nested.rstrip("}")) if key in value}
            selected[name] = value
    return selected


# ---- paging -----------------------------------------------------------------------------------


def cursor_of(object_id):
    return base64.urlsafe_b64encode(object_id.encode()).decode()


def page_of(graph_objects, query, url_base, render, repeat=False):
    """One page of an edge, Graph-style: data, cursors, and `next` as an absolute URL back here.

    The `after` cursor names the last object served, so objects added meanwhile shift nothing.
    With `repeat`, `next` points at this same page once more (a page served twice).
    """
    limit = min(int(query.get("limit") or DEFAULT_LIMIT), MAX_LIMIT)
    start = _start_after(graph_objects, query.get("after"))
    served = graph_objects[start : start + limit]
    page = {"data": [render(item) for item in served]}
    if served:
        page["paging"] = {
            "cursors": {"before": cursor_of(served[0]["id"]), "after": cursor_of(served[-1]["id"])}
        }
        params = {key: value for key, value in query.items() if key != "__repeat"}
        if repeat:
            page["paging"]["next"] = f"{url_base}?{urlencode({**params, '__repeat': '1'})}"
        elif start + limit < len(graph_objects):
            page["paging"]["next"] = (
                f"{url_base}?{urlencode({**params, 'after': cursor_of(served[-1]['id'])})}"
            )
    return page


def _start_after(graph_objects, after):
    if not after:
        return 0
    try:
        object_id = base64.urlsafe_b64decode(after.encode()).decode()
    except ValueError as error:
        raise ApiError(100, "(#100) The after cursor is not valid") from error
    ids = [item["id"] for item in graph_objects]
    if object_id not in ids:
        raise ApiError(100, "(#100) The after cursor is not valid")
    return ids.index(object_id) + 1


def _trace_id():
    return secrets.token_urlsafe(8)
