"""check() and diff() of the providers, called directly (no engine, no API)."""

import pytest
from hypothesis import given, strategies as st

from pulumi_svix.resources._engine import UNKNOWN, changed_properties
from pulumi_svix.resources.application import ApplicationProvider
from pulumi_svix.resources.endpoint import EndpointProvider
from pulumi_svix.resources.event_type import EventTypeProvider
from pulumi_svix.resources.integration import IntegrationProvider
from pulumi_svix.schema import resource_schema

GOOD_ENDPOINT = {"app_id": "app_1", "url": "https://hooks.example.com/svix"}
SECRET = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"


def failures(provider, news):
    return {f.property: f.reason for f in provider.check({}, news).failures}


@pytest.mark.parametrize("news, prop, fragment", [
    ({**GOOD_ENDPOINT, "url": "ftp://x.example"}, "url", "http or https"),
    ({**GOOD_ENDPOINT, "url": "not a url"}, "url", "http or https"),
    ({**GOOD_ENDPOINT, "uid": "ep_123"}, "uid", "must not start with 'ep_'"),
    ({**GOOD_ENDPOINT, "uid": "has space"}, "uid", "pattern"),
    ({**GOOD_ENDPOINT, "uid": "x" * 257}, "uid", "at most 256"),
    ({**GOOD_ENDPOINT, "throttle_rate": 0.0}, "throttle_rate", "greater than or equal to 1"),
    ({**GOOD_ENDPOINT, "throttle_rate": 1.5}, "throttle_rate", "integer"),
    ({**GOOD_ENDPOINT, "channels": [f"c{i}" for i in range(11)]}, "channels", "at most 10"),
    ({**GOOD_ENDPOINT, "channels": ["bad channel"]}, "channels", "pattern"),
    ({**GOOD_ENDPOINT, "event_types": ["a/b"]}, "event_types", "pattern"),
    ({**GOOD_ENDPOINT, "headers": {"Host": "x"}}, "headers", "set by Svix"),
    ({**GOOD_ENDPOINT, "headers": {"X-Amz-Date": "x"}}, "headers", "reserved prefix"),
    ({**GOOD_ENDPOINT, "headers": {"bad header": "x"}}, "headers", "not a valid HTTP header"),
    ({**GOOD_ENDPOINT, "secret": "whsec_short"}, "secret", "pattern"),
    ({**GOOD_ENDPOINT, "metadata": {"k": "v" * 5000}}, "metadata", "4096"),
    ({"url": "https://x.example"}, "app_id", "required"),
    ({**GOOD_ENDPOINT, "colour": "red"}, "colour", "no property"),
])
def test_endpoint_check_names_the_property(news, prop, fragment):
    found = failures(EndpointProvider(), news)
    assert prop in found, found
    assert fragment in found[prop]
    assert found[prop].startswith(f"Endpoint.{prop}") or "no property" in found[prop]


def test_check_never_echoes_secret_values():
    bad_secret = "whsec_" + "!" * 40
    found = failures(EndpointProvider(), {**GOOD_ENDPOINT, "secret": bad_secret,
                                          "headers": {"Host": "Bearer very-secret"}})
    assert bad_secret not in str(found) and "very-secret" not in str(found)


@pytest.mark.parametrize("provider, news, prop", [
    (ApplicationProvider(), {"name": "A", "uid": "app_x"}, "uid"),
    (ApplicationProvider(), {"name": ""}, "name"),
    (ApplicationProvider(), {}, "name"),
    (EventTypeProvider(), {"name": "has space"}, "name"),
    (EventTypeProvider(), {"name": "x" * 257}, "name"),
    (EventTypeProvider(), {"name": "ok", "group_name": "bad group"}, "group_name"),
    (IntegrationProvider(), {"app_id": "app_1", "name": "Z", "feature_flags": [f"f{i}" for i in range(26)]},
     "feature_flags"),
    (IntegrationProvider(), {"app_id": "app_1"}, "name"),
])
def test_other_resources_check(provider, news, prop):
    assert prop in failures(provider, news)


def test_valid_inputs_and_unknowns_pass_check():
    assert failures(EndpointProvider(), {**GOOD_ENDPOINT, "throttle_rate": 5.0, "secret": SECRET,
                                         "event_types": ["invoice.paid"], "channels": ["billing"],
                                         "headers": {"Authorization": "Bearer x"}}) == {}
    assert failures(EndpointProvider(), {"app_id": UNKNOWN, "url": UNKNOWN, "event_types": [UNKNOWN]}) == {}
    # Check and Diff decode with keep_unknowns: unknowns then arrive as pulumi.output.Unknown objects
    from pulumi.output import Unknown
    assert failures(EndpointProvider(), {"app_id": Unknown(), "url": "https://x.example",
                                         "headers": {"Authorization": Unknown()}}) == {}
    assert diff(EndpointProvider(), GOOD_ENDPOINT, {**GOOD_ENDPOINT, "app_id": Unknown()}).replaces == ["app_id"]


def diff(provider, olds, news):
    return provider.diff("id", olds, news)


def test_no_diff_when_only_representation_differs():
    olds = {**GOOD_ENDPOINT, "event_types": ["b", "a"], "channels": None, "metadata": {}, "description": "",
            "disabled": False, "throttle_rate": 5.0, "headers": None, "secret": SECRET, "adopt": None}
    news = {**GOOD_ENDPOINT, "event_types": ["a", "b", "a"], "channels": [], "metadata": None,
            "description": None, "disabled": None, "throttle_rate": 5, "headers": {}, "secret": None,
            "adopt": False}
    result = diff(EndpointProvider(), olds, news)
    assert result.changes is False and result.replaces == []


def test_mutable_change_updates_in_place_and_app_id_replaces():
    olds = {**GOOD_ENDPOINT, "secret": SECRET}
    assert diff(EndpointProvider(), olds, {**GOOD_ENDPOINT, "url": "https://other.example"}).replaces == []
    result = diff(EndpointProvider(), olds, {**GOOD_ENDPOINT, "app_id": "app_2"})
    assert result.changes and result.replaces == ["app_id"]
    assert diff(EventTypeProvider(), {"name": "a"}, {"name": "b"}).replaces == ["name"]


def test_unknown_values_count_as_changes():
    result = diff(EndpointProvider(), {**GOOD_ENDPOINT}, {**GOOD_ENDPOINT, "app_id": UNKNOWN})
    assert result.changes and result.replaces == ["app_id"]


def test_declared_secret_change_and_trigger_are_updates():
    olds = {**GOOD_ENDPOINT, "secret": SECRET}
    other = "whsec_" + "WFlaQUJDREVGR0hJSktMTU5PUFFSU1RV"
    assert diff(EndpointProvider(), olds, {**GOOD_ENDPOINT, "secret": other}).changes
    assert diff(EndpointProvider(), olds, {**GOOD_ENDPOINT, "rotate_secret_trigger": "1"}).changes


names = st.lists(st.from_regex(r"[a-z]{1,5}\.[a-z]{1,5}", fullmatch=True), max_size=6)


@given(names, st.randoms())
def test_set_properties_ignore_order_and_duplicates(event_types, rnd):
    shuffled = list(event_types) * 2
    rnd.shuffle(shuffled)
    schema = resource_schema("Endpoint")
    olds = {**GOOD_ENDPOINT, "event_types": event_types}
    news = {**GOOD_ENDPOINT, "event_types": shuffled}
    assert changed_properties(schema, olds, news) == []


def test_app_scoped_lookups_need_the_application():
    from pulumi_svix.client import SvixError
    from pulumi_svix.resources._base import split_app_scoped_id

    assert split_app_scoped_id("app_1/ep_2", None) == ("ep_2", "app_1")
    assert split_app_scoped_id("ep_2", "app_1") == ("ep_2", "app_1")
    for provider in (EndpointProvider(), IntegrationProvider()):
        with pytest.raises(SvixError, match=rf"{provider.kind}.get needs the application: pass app_id"):
            provider.read("x_1", {})


def test_header_values_svix_refuses_fail_at_preview_without_quoting_the_value():
    from pulumi_svix.resources.endpoint import EndpointProvider

    result = EndpointProvider().check({}, {"app_id": "app_1", "url": "https://hooks.example.com/a",
                                           "headers": {"X-Bad": "hunter2\r\nInjected: yes"}})
    [failure] = result.failures
    assert failure.property == "headers" and "control character" in failure.reason
    assert "hunter2" not in failure.reason


def test_sets_are_recorded_sorted_so_a_preview_shows_what_changed_not_a_reordering():
    from pulumi_svix.resources._engine import UNKNOWN
    from pulumi_svix.resources.endpoint import EndpointProvider

    news = {"app_id": "app_1", "url": "https://hooks.example.com/a",
            "event_types": ["invoice.paid", "invoice.failed", "invoice.paid"], "channels": ["b", UNKNOWN]}
    checked = EndpointProvider().check({}, news).inputs
    assert checked["event_types"] == ["invoice.failed", "invoice.paid"]
    assert checked["channels"] == ["b", UNKNOWN]  # not known yet: left as declared
    assert news["event_types"][0] == "invoice.paid"  # the caller's dict is not changed


@pytest.mark.parametrize("secret, reason", [
    ("whsec_OSSSIGNSECRETOSSSIGNSECRET0123456789ab", "not valid base64"),
    ("whsec_" + "QUJD" * 8, None),  # 24 bytes: fine
    ("whsec_" + "QUJD" * 7 + "QQ==", "decodes to 22 bytes"),
])
def test_a_signing_secret_svix_refuses_fails_at_preview_without_quoting_it(secret, reason):
    from pulumi_svix.resources.endpoint import EndpointProvider

    failures = EndpointProvider().check({}, {"app_id": "app_1", "url": "https://hooks.example.com/a",
                                             "secret": secret}).failures
    if reason is None:
        assert failures == []
        return
    [failure] = failures
    assert failure.property == "secret" and reason in failure.reason and secret[6:] not in failure.reason


def test_sets_are_sorted_in_the_program_before_registration():
    import asyncio

    import pulumi

    from pulumi_svix.resources._base import in_set_order

    assert in_set_order(["b", "a", "b"]) == ["a", "b"]
    assert in_set_order([1, 2]) == [1, 2]  # not a set of names: left as given (Check names the problem)
    assert in_set_order(None) is None
    loop = asyncio.new_event_loop()  # Outputs need one, as in a Pulumi program
    asyncio.set_event_loop(loop)
    try:
        ordered = in_set_order([pulumi.Output.from_input("b"), "a", "b"])
        assert isinstance(ordered, pulumi.Output)
        assert loop.run_until_complete(ordered.future()) == ["a", "b"]
    finally:
        asyncio.set_event_loop(None)
        loop.close()
