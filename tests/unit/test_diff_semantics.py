"""Diff semantics of issue 11 (replacements, app_id forms, ignore_changes, changed keys) and the
takeover rule, at the provider's level: diff and the servicer patch offline; create/delete against the
emulator with the URN the servicer patch would set (``acting_for``)."""

from __future__ import annotations

import sys
import types

import pulumi
import pulumi.dynamic
import pytest

from pulumi_svix import client as client_module
from pulumi_svix.client import SvixError
from pulumi_svix.config import Settings
from pulumi_svix.resources import _base, _ownership, _servicer
from pulumi_svix.resources._engine import UNKNOWN, natural_key_kept, property_changes
from pulumi_svix.resources.application import ApplicationProvider
from pulumi_svix.resources.endpoint import EndpointProvider
from pulumi_svix.resources.event_type import EventTypeProvider
from pulumi_svix.resources.integration import IntegrationProvider
from pulumi_svix.schema import resource_schema

ENDPOINT = {"app_id": "app_1", "__app_uid": "acme", "url": "https://hooks.example.com/a", "uid": "billing"}
URN_A = "urn:pulumi:dev::proj::pulumi-python:dynamic/svix:Application::a"
URN_B = "urn:pulumi:dev::proj::pulumi-python:dynamic/svix:Application::b"
URN_OTHER_STACK = "urn:pulumi:prod::proj::pulumi-python:dynamic/svix:Application::a"


# --- app_id: the application's id or its uid ---------------------------------------------------------

@pytest.mark.parametrize("provider", [EndpointProvider(), IntegrationProvider()])
@pytest.mark.parametrize("app_id, changed", [("app_1", False), ("acme", False), ("other", True),
                                             ("app_2", True), (UNKNOWN, True)])
def test_app_id_by_id_or_by_recorded_uid_is_no_change(provider, app_id, changed):
    olds = {**ENDPOINT, "name": "Zapier"}
    news = {**olds, "app_id": app_id}
    result = provider.diff("x", olds, news)
    assert result.changes is changed
    assert result.replaces == (["app_id"] if changed else [])


def test_app_id_without_a_recorded_uid_compares_as_written():
    olds = {k: v for k, v in ENDPOINT.items() if k != "__app_uid"}
    assert EndpointProvider().diff("x", olds, {**olds, "app_id": "acme"}).replaces == ["app_id"]


# --- delete-before-replace where the natural key stays -------------------------------------------------

@pytest.mark.parametrize("kind, olds, news, kept", [
    ("Endpoint", ENDPOINT, {**ENDPOINT, "url": "https://hooks.example.com/b"}, True),
    ("Endpoint", ENDPOINT, {**ENDPOINT, "app_id": "acme"}, True),
    ("Endpoint", ENDPOINT, {**ENDPOINT, "app_id": "app_2"}, False),  # another application: no collision
    ("Endpoint", ENDPOINT, {**ENDPOINT, "uid": "other"}, False),
    ("Endpoint", ENDPOINT, {**ENDPOINT, "uid": None}, False),
    ("Endpoint", ENDPOINT, {**ENDPOINT, "uid": UNKNOWN}, False),
    ("Application", {"name": "A", "uid": "acme"}, {"name": "B", "uid": "acme"}, True),
    ("Application", {"name": "A"}, {"name": "B"}, False),
    ("EventType", {"name": "a.b"}, {"name": "a.b", "description": "x"}, True),
    ("EventType", {"name": "a.b"}, {"name": "a.c"}, False),
    ("Integration", {"app_id": "app_1", "name": "Z"}, {"app_id": "app_1", "name": "Y"}, False),
])
def test_delete_before_replace_when_the_natural_key_is_kept(kind, olds, news, kept):
    assert natural_key_kept(resource_schema(kind), olds, news) is kept


def test_diff_result_asks_for_delete_before_replace_where_the_key_stays():
    news = {**ENDPOINT, "url": "https://hooks.example.com/b"}
    assert EndpointProvider().diff("x", ENDPOINT, news).delete_before_replace is True
    moved = {**ENDPOINT, "app_id": "app_2"}
    result = EndpointProvider().diff("x", ENDPOINT, moved)
    assert (result.replaces, result.delete_before_replace) == (["app_id"], False)


@pytest.mark.parametrize("kind, props, opts, expected", [
    ("Application", {"uid": "acme"}, None, True),
    ("Application", {"uid": None}, None, None),
    ("Endpoint", {"uid": "billing"}, None, True),
    ("Endpoint", {"uid": "billing"}, pulumi.ResourceOptions(delete_before_replace=False), False),
    ("Endpoint", {}, None, None),
    ("EventType", {"name": "a.b"}, None, True),
    ("Integration", {"name": "Z"}, None, None),
])
def test_resources_with_a_natural_key_are_replaced_delete_first_unless_told_otherwise(kind, props, opts, expected):
    """``pulumi up --replace`` never calls Diff: the resource option is what reaches the engine."""
    options = _base.resource_options(resource_schema(kind), opts, props)
    assert options.delete_before_replace is expected
    assert options.additional_secret_outputs == resource_schema(kind).secret_outputs


# --- changed keys and the DiffResponse -------------------------------------------------------------

def test_property_changes_say_how_each_property_changed():
    olds = {**ENDPOINT, "description": "old", "throttle_rate": None}
    news = {**ENDPOINT, "url": "https://hooks.example.com/b", "description": None, "throttle_rate": 5.0,
            "channels": UNKNOWN}
    got = {p.python_name: how for p, how in property_changes(resource_schema("Endpoint"), olds, news)}
    assert got == {"url": "update", "description": "delete", "throttle_rate": "add", "channels": "update"}


def test_diff_response_carries_the_changed_keys_and_the_replacements():
    from pulumi.runtime import proto

    news = {**ENDPOINT, "app_id": "app_2", "url": "https://hooks.example.com/b", "disabled": True,
            "throttle_rate": 5}
    response = EndpointProvider().diff_response("x", ENDPOINT, news)
    assert response.changes == proto.DiffResponse.DIFF_SOME
    assert sorted(response.diffs) == ["app_id", "disabled", "throttle_rate", "url"]
    assert list(response.replaces) == ["app_id"]
    assert response.hasDetailedDiff
    kinds = {k: v.kind for k, v in response.detailedDiff.items()}
    assert kinds == {"app_id": proto.PropertyDiff.UPDATE_REPLACE, "url": proto.PropertyDiff.UPDATE,
                     "disabled": proto.PropertyDiff.UPDATE,  # from its default, False
                     "throttle_rate": proto.PropertyDiff.ADD}
    assert not any(v.inputDiff for v in response.detailedDiff.values())
    assert response.deleteBeforeReplace is False  # moved to another application: no collision

    same = EndpointProvider().diff_response("x", ENDPOINT, {**ENDPOINT, "app_id": "acme"})
    assert (same.changes, list(same.diffs), same.hasDetailedDiff) == (proto.DiffResponse.DIFF_NONE, [], True)


# --- ignore_changes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path, parts", [
    ("metadata", ["metadata"]), ("metadata.team", ["metadata", "team"]),
    ('headers["X-Team"]', ["headers", "X-Team"]), ('metadata["a.b"]', ["metadata", "a.b"]),
    ("channels[0]", ["channels", 0]), ("channels[*]", None), ("", None), (".x", None),
])
def test_property_paths(path, parts):
    assert _servicer.parse_path(path) == parts


def test_ignored_properties_take_the_recorded_value():
    olds = {"description": "by hand", "disabled": True, "metadata": {"team": "ops", "k": "1"}, "url": "u1"}
    news = {"description": "declared", "disabled": False, "metadata": {"team": "red", "k": "2"}, "url": "u2",
            "__provider": "p"}
    got = _servicer.with_ignored_as_recorded(news, olds, ["description", "disabled", "metadata.team"])
    assert got == {"description": "by hand", "disabled": True, "metadata": {"team": "ops", "k": "2"},
                   "url": "u2", "__provider": "p"}
    assert news["metadata"] == {"team": "red", "k": "2"}  # not changed in place
    # Absent from the record: absent from news; a path this does not handle: its whole property.
    assert _servicer.with_ignored_as_recorded({"throttle_rate": 5}, {}, ["throttle_rate"]) == {}
    assert _servicer.with_ignored_as_recorded({"channels": ["a"]}, {"channels": ["b"]}, ["channels[*]"]) == {
        "channels": ["b"]}
    assert _servicer.with_ignored_as_recorded(news, olds, []) is news


# --- the servicer patch -----------------------------------------------------------------------------

def _abort_with_traceback(fn):  # the shape of pulumi.dynamic.__main__'s wrapper
    def wrapper(self, request, context):
        return fn(self, request, context)
    return wrapper


@pytest.fixture
def fake_host(monkeypatch):
    """A stand-in ``__main__`` of ``python -m pulumi.dynamic``: a servicer whose methods are wrapped as
    upstream wraps them, and ``get_provider``."""
    calls = []

    class Servicer:
        _config: dict = {}

        @_abort_with_traceback
        def Diff(self, request, context):  # noqa: N802
            calls.append("original Diff")
            return "original"

        @_abort_with_traceback
        def Create(self, request, context):  # noqa: N802
            calls.append(("original Create", _ownership.owner()))
            return "created"

        @_abort_with_traceback
        def Update(self, request, context):  # noqa: N802
            return "original"

    providers = {}
    main = types.SimpleNamespace(DynamicResourceProviderServicer=Servicer,
                                 get_provider=lambda props, config: providers[props["__provider"]])
    monkeypatch.setitem(sys.modules, "__main__", main)
    return Servicer, providers, calls


def _struct(props):
    from google.protobuf import struct_pb2

    struct = struct_pb2.Struct()
    struct.update(props)
    return struct


def test_the_servicer_patch_sends_changed_keys_and_honours_ignore_changes(fake_host):
    Servicer, providers, calls = fake_host
    providers["svix"] = EndpointProvider()
    providers["other"] = pulumi.dynamic.ResourceProvider()
    assert _servicer.install() and _servicer.install()  # idempotent
    servicer = Servicer()
    olds = {**ENDPOINT, "description": "by hand", "__provider": "svix"}
    news = {**ENDPOINT, "description": "declared", "url": "https://hooks.example.com/b", "__provider": "svix"}
    request = types.SimpleNamespace(id="ep_1", urn=URN_A, olds=_struct(olds), news=_struct(news),
                                    ignoreChanges=["description"])
    response = servicer.Diff(request, None)  # through the gRPC server's bound wrapper
    assert list(response.diffs) == ["url"]
    other = types.SimpleNamespace(id="x", urn=URN_A, olds=_struct({"__provider": "other"}),
                                  news=_struct({"__provider": "other"}), ignoreChanges=[])
    assert servicer.Diff(other, None) == "original"
    assert servicer.Create(types.SimpleNamespace(urn=URN_A), None) == "created"
    assert calls == ["original Diff", ("original Create", _ownership.owner_of(URN_A))]
    assert _ownership.owner() is None  # only for the duration of the call


def test_no_servicer_no_patch(monkeypatch):
    monkeypatch.setitem(sys.modules, "__main__", types.SimpleNamespace())
    assert _servicer.install() is False


# --- ownership and the takeover rule, against the emulator -------------------------------------------

@pytest.fixture
def svix(emulator):
    client_module.configure(Settings(server_url=emulator.url, token=emulator.token))
    _ownership.reset()
    yield emulator
    _ownership.reset()
    client_module.configure(None)


def _create(provider, props, urn):
    with _ownership.acting_for(urn):
        return provider.create(dict(props))


def test_only_the_resource_that_created_an_object_takes_it_over_without_adopt(svix, svix_api):
    app = {"name": "Acme", "uid": "acme", "metadata": {"tier": "gold"}}
    first = _create(ApplicationProvider(), app, URN_A)
    assert first.outs["metadata"] == {"tier": "gold"}  # the marker is Svix's, never the state's
    held = svix_api.get(f"/api/v1/app/acme").json()
    assert held["metadata"] == {"tier": "gold", _ownership.OWNER_KEY: _ownership.owner_of(URN_A)}

    _ownership.reset()  # a later run: the interrupted create of this very resource is taken over
    assert _create(ApplicationProvider(), app, URN_A).id == first.id
    for urn in (URN_B, URN_OTHER_STACK):  # another resource of the stack, the same resource in another stack
        _ownership.reset()
        with pytest.raises(SvixError, match=r"409.*\(property uid\).*adopt=True"):
            _create(ApplicationProvider(), app, urn)
    _ownership.reset()
    adopted = _create(ApplicationProvider(), {**app, "adopt": True}, URN_B)
    assert adopted.id == first.id
    held = svix_api.get(f"/api/v1/app/acme").json()
    assert held["metadata"][_ownership.OWNER_KEY] == _ownership.owner_of(URN_B)  # adopt hands it over


def test_read_and_update_never_show_the_marker(svix, svix_api):
    provider = ApplicationProvider()
    created = _create(provider, {"name": "Acme", "uid": "acme"}, URN_A)
    assert created.outs["metadata"] is None
    read = provider.read(created.id, created.outs)
    assert read.outs["metadata"] is None
    assert provider.diff(created.id, read.outs, {"name": "Acme", "uid": "acme"}).changes is False
    with _ownership.acting_for(URN_A):
        updated = provider.update(created.id, read.outs, {"name": "Acme", "uid": "acme", "metadata": {"k": "v"}})
    assert updated.outs["metadata"] == {"k": "v"}
    held = svix_api.get(f"/api/v1/app/acme").json()
    assert held["metadata"] == {"k": "v", _ownership.OWNER_KEY: _ownership.owner_of(URN_A)}


def test_endpoints_record_their_application_by_id_and_uid(svix):
    app = _create(ApplicationProvider(), {"name": "Acme", "uid": "acme"}, URN_A)
    endpoint = _create(EndpointProvider(), {"app_id": "acme", "url": "https://hooks.example.com/a"},
                       URN_A.replace("Application::a", "Endpoint::ep"))
    assert (endpoint.outs["app_id"], endpoint.outs["__app_uid"]) == (app.id, "acme")
    for written in ("acme", app.id):
        news = {**endpoint.outs, "app_id": written}
        assert EndpointProvider().diff(endpoint.id, endpoint.outs, news).changes is False


def test_two_resources_of_one_run_never_share_an_event_type(svix):
    """Event types carry no marker: within a run, the second resource declaring a name is refused."""
    event_type = {"name": "order.paid", "description": "paid"}
    first = _create(EventTypeProvider(), event_type, URN_A)
    with pytest.raises(SvixError, match=r"409.*\(property name\)"):
        _create(EventTypeProvider(), event_type, URN_B)
    _ownership.reset()  # another run (after an interrupted one): identical settings are taken over
    assert _create(EventTypeProvider(), event_type, URN_B).id == first.id


def test_a_delete_in_the_run_that_took_the_object_over_only_forgets_it(svix, svix_api):
    """The old half of a create-before-delete replacement, or the old name of a renamed resource."""
    event_type = {"name": "order.paid", "description": "paid"}
    created = _create(EventTypeProvider(), event_type, URN_A)
    _ownership.reset()
    taken = _create(EventTypeProvider(), event_type, URN_B)  # a later run: taken over
    assert taken.id == created.id
    EventTypeProvider().delete(created.id, created.outs)  # the old resource's delete, same run
    held = svix_api.get(f"/api/v1/event-type/order.paid").json()
    assert held["archived"] is False


def test_a_refresh_of_older_state_learns_the_applications_uid(svix):
    app = _create(ApplicationProvider(), {"name": "Acme", "uid": "acme"}, URN_A)
    plain = _create(ApplicationProvider(), {"name": "No uid"}, URN_B)
    for application, written, uid in ((app, "acme", "acme"), (plain, plain.id, "")):
        endpoint = _create(EndpointProvider(), {"app_id": written, "url": "https://hooks.example.com/a"},
                           URN_A + application.id)
        older = {k: v for k, v in endpoint.outs.items() if k != "__app_uid"}  # as 0.1.0 recorded it
        older["app_id"] = written
        read = EndpointProvider().read(endpoint.id, older)
        assert (read.outs["app_id"], read.outs["__app_uid"]) == (application.id, uid)
        again = EndpointProvider().read(endpoint.id, read.outs)  # learnt once: no further lookups
        assert again.outs == read.outs
