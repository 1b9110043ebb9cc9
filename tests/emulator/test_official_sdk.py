"""The official ``svix`` Python SDK, as an independent client, drives the emulator."""

import svix
from svix.api import (ApplicationIn, ApplicationPatch, EndpointHeadersIn, EndpointIn,
                      EndpointSecretRotateIn, EventTypeIn, IntegrationIn)


def client_for(emulator) -> svix.Svix:
    return svix.Svix(emulator.token, svix.SvixOptions(server_url=emulator.url))


def rotate_secret(client: svix.Svix, app_id: str, endpoint_id: str) -> None:
    """svix 2.9.1's ``endpoint.rotate_secret`` parses a JSON body (EndpointSecretOut), but the
    contract (svix-openapi.json 1.947.0) answers 204 without one, as the emulator does. So the
    rotation goes through the SDK's own request layer (auth, retries, idempotency key)."""
    response = client.endpoint._request_sync(
        method="post", path="/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate",
        path_params={"app_id": app_id, "endpoint_id": endpoint_id},
        json_body=EndpointSecretRotateIn().model_dump_json(exclude_unset=True, by_alias=True))
    assert response.status_code == 204


def test_sdk_round_trip(shared_emulator):
    client = client_for(shared_emulator)
    app = client.application.create(ApplicationIn(name="Acme", uid="acme"))
    assert app.id.startswith("app_") and app.uid == "acme"
    assert client.application.get("acme").id == app.id
    patched = client.application.patch("acme", ApplicationPatch(name="Acme Corp"))
    assert patched.name == "Acme Corp"

    event_type = client.event_type.create(EventTypeIn(name="invoice.paid",
                                                      description="An invoice was paid"))
    assert event_type.name == "invoice.paid" and event_type.archived is False

    endpoint = client.endpoint.create(app.id, EndpointIn(
        url="https://example.com/webhook", uid="main", event_types=["invoice.paid"]))
    assert endpoint.event_types == ["invoice.paid"]
    client.endpoint.set_headers(app.id, endpoint.id, EndpointHeadersIn(
        headers={"Authorization": "Bearer t0ken", "X-Team": "billing"}))
    headers = client.endpoint.get_headers(app.id, endpoint.id)
    assert headers.headers == {"X-Team": "billing"} and set(headers.sensitive) == {"Authorization"}

    old_secret = client.endpoint.get_secret(app.id, endpoint.id).key
    rotate_secret(client, app.id, endpoint.id)
    new_secret = client.endpoint.get_secret(app.id, endpoint.id).key
    assert new_secret.startswith("whsec_") and new_secret != old_secret

    integration = client.integration.create(app.id, IntegrationIn(name="Zapier"))
    key = client.integration.rotate_key(app.id, integration.id).key
    assert key.startswith("integsk_")

    listed = client.endpoint.list(app.id)
    assert [e.id for e in listed.data] == [endpoint.id] and listed.done
    client.event_type.delete("invoice.paid")
    assert client.event_type.get("invoice.paid").archived is True
    client.application.delete(app.id)
    assert client.application.list().data == []
