"""Which Svix the emulator plays (``--flavor``): Svix Cloud, or the self-hosted svix-server.

Every behaviour that differs between the two lives here. Handlers ask the flavor
(``request.app.state.flavor``) for the request body models (``bodies``), for the API view of
a stored document and for list bodies; ``app.create_app`` asks it which routers to mount, how
to answer a request no route matches and what a 401 says. Storage is the same for both: one
document shape, so a database written by one flavor can be served by the other.

- ``cloud`` (the default): Svix Cloud, as its OpenAPI document describes it;
- ``oss``: svix-server v1.100, as observed on a running server (see ``SelfHosted``).
"""

import re

from fastapi.responses import JSONResponse, Response

from . import models, models_oss
from .common import render
from .store import Page


class Cloud:
    """Svix Cloud, as ``openapi/svix-openapi.json`` describes it."""

    name = "cloud"
    bodies = models  # the request body models, by class name
    serves_integrations = True
    absent_api = None  # paths of Svix APIs this server does not have (see contract)
    app_list_filters = True  # the exclude_apps_with_* query parameters
    unauthorized_detail = "Incorrect authentication credentials."
    min_limit = 1
    # replay-missing, message precheck, auth expire-all: absent from the server's document
    serves_cloud_extras = True

    def route_miss(self, status: int, detail: str, headers=None) -> Response:
        """No route or no such method: Svix's error shape."""
        code = {404: "not_found", 405: "method_not_allowed"}.get(status, "http_error")
        return JSONResponse({"code": code, "detail": detail}, status_code=status,
                            headers=headers)

    def app_view(self, doc: dict) -> dict:
        return render(doc)

    def endpoint_view(self, doc: dict) -> dict:
        return render(doc)

    def message_view(self, doc: dict) -> dict:
        return render(doc)

    def event_type_view(self, doc: dict, with_content: bool = True) -> dict:
        """Lists leave ``schemas`` out unless ``with_content``.

        The cloud spec's EventTypeOut also lists an optional ``featureFlag``; Svix Cloud's
        event types have ``featureFlags``, so the emulator does not send it.
        """
        out = render(doc)
        out.pop("featureFlag", None)
        if not with_content:
            out.pop("schemas", None)
        return out

    def list_body(self, page: Page, view) -> dict:
        return {"data": [view(item) for item in page.items], "iterator": page.iterator,
                "prevIterator": page.prev_iterator, "done": page.done}


class SelfHosted(Cloud):
    """svix-server v1.100 (open source, self-hosted): what differs from Svix Cloud.

    As observed on a running server, and as its ``openapi/svix-server-openapi.json`` and its
    source (list pages) say. Also in ``models_oss``: the event-type bodies (``featureFlag``),
    ``headers`` ignored in the create-endpoint body, no ``deleteHeaders``, the narrower channel
    pattern, schema versions that must be objects.
    """

    name = "oss"
    bodies = models_oss
    serves_integrations = False  # no integration routes at all
    # The Integration API, and the Svix Cloud operations of ``serves_cloud_extras``.
    absent_api = re.compile(r"^/api/v1/(app/[^/]+/integration(/.*)?|auth/app/[^/]+/expire-all"
                            r"|app/[^/]+/endpoint/[^/]+/replay-missing"
                            r"|app/[^/]+/msg/precheck/active)$")
    app_list_filters = False  # unknown query parameters, ignored like unknown body fields
    unauthorized_detail = "Invalid token"
    min_limit = 0  # limit=0 is an empty page, not a 422
    serves_cloud_extras = False

    def message_view(self, doc: dict) -> dict:
        """No ``tags`` (the server has none)."""
        out = render(doc)
        out.pop("tags", None)
        return out

    def route_miss(self, status: int, detail: str, headers=None) -> Response:
        """axum's router answers an unknown route (e.g. any integration route) with no body."""
        return Response(status_code=status, headers=headers)

    def app_view(self, doc: dict) -> dict:
        """No ``uid`` key at all when unset (every other unset value is null)."""
        out = render(doc)
        if out.get("uid") is None:
            out.pop("uid", None)
        return out

    def endpoint_view(self, doc: dict) -> dict:
        """Still sends the legacy ``filterTypes`` next to ``eventTypes``."""
        out = render(doc)
        out["filterTypes"] = out["eventTypes"]
        return out

    def event_type_view(self, doc: dict, with_content: bool = True) -> dict:
        """One ``featureFlag``; lists send ``schemas: null`` unless ``with_content``; schemas
        come back as Postgres stored them (jsonb), object keys reordered."""
        out = {k: v for k, v in render(doc).items() if k not in ("featureFlags", "groupName")}
        out["featureFlag"] = doc.get("featureFlag")
        out["schemas"] = jsonb_order(doc["schemas"]) if with_content else None
        return out

    def list_body(self, page: Page, view) -> dict:
        """The iterator is the page's last id (null on an empty page); ``prevIterator`` is left
        out when null, so an empty list has none."""
        body = {"data": [view(item) for item in page.items],
                "iterator": page.iterator if page.items else None}
        if page.items and page.prev_iterator:
            body["prevIterator"] = page.prev_iterator
        body["done"] = page.done
        return body


def jsonb_order(value):
    """``value`` as Postgres ``jsonb`` returns it: object keys shortest first, keys of equal
    length in byte order, at every depth."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: (len(key.encode()), key.encode()))
        return {key: jsonb_order(value[key]) for key in keys}
    if isinstance(value, list):
        return [jsonb_order(item) for item in value]
    return value


FLAVORS_BY_NAME = {flavor.name: flavor for flavor in (Cloud(), SelfHosted())}


def get_flavor(name: str) -> Cloud:
    try:
        return FLAVORS_BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown flavor {name!r}; expected one of "
                         f"{', '.join(FLAVORS_BY_NAME)}") from None
