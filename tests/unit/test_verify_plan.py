"""``pulumi-svix verify``'s rules that need no server: which endpoints a test message reaches (event type
filters, channels, at most 10 channels a message), which payload it carries (the schema's ``examples``), which
attempt decides the outcome, and how results are shown (no URL credentials, the failing endpoint named)."""

from __future__ import annotations

import json

import pytest

from pulumi_svix.verify import (EVENT_ID_PREFIX, Result, channel_batches, deciding_attempt, example_payload,
                                render_json, render_table, shown_url, subscribes, summary)


def endpoint(uid: str, event_types=None, channels=None, **more) -> dict:
    return {"id": f"ep_{uid}", "uid": uid, "url": f"https://hooks.example.com/{uid}", "eventTypes": event_types,
            "channels": channels, **more}


def test_an_endpoint_without_a_filter_receives_every_event_type():
    assert subscribes(endpoint("a"), "invoice.paid")
    assert subscribes(endpoint("a", event_types=[]), "invoice.paid")


def test_an_endpoint_with_a_filter_receives_only_its_event_types():
    billing = endpoint("billing", event_types=["invoice.paid", "invoice.failed"])
    assert subscribes(billing, "invoice.paid") and not subscribes(billing, "user.created")


def test_the_older_filter_types_field_counts_too():
    older = {"id": "ep_x", "url": "https://x.example.com", "filterTypes": ["user.created"]}
    assert subscribes(older, "user.created") and not subscribes(older, "invoice.paid")


def test_endpoints_without_channels_need_no_channel_on_the_message():
    a, b = endpoint("a"), endpoint("b")
    assert channel_batches([a, b]) == [(None, [a, b])]


def test_one_message_carries_a_channel_of_every_endpoint_that_filters_on_channels():
    a, b, c, free = (endpoint("a", channels=["billing"]), endpoint("b", channels=["billing", "eu"]),
                     endpoint("c", channels=["eu", "users"]), endpoint("free"))
    [(channels, reached)] = channel_batches([a, b, c, free])
    assert {id(e) for e in reached} == {id(a), id(b), id(c), id(free)}
    for ep in (a, b, c):
        assert set(ep["channels"]) & set(channels), (ep["uid"], channels)
    assert len(channels) == 2  # "billing" and "eu" cover all three; "users" is not needed


def test_more_than_ten_channels_take_more_messages_and_the_unfiltered_endpoints_are_looked_at_once():
    many = [endpoint(f"e{n}", channels=[f"ch{n}"]) for n in range(13)]
    free = endpoint("free")
    batches = channel_batches([*many, free])
    assert [len(channels) for channels, _ in batches] == [10, 3]
    assert free in batches[0][1] and free not in batches[1][1]
    reached = [e["uid"] for _, endpoints in batches for e in endpoints]
    assert sorted(reached) == sorted(e["uid"] for e in [*many, free])  # each endpoint in exactly one batch
    for channels, endpoints in batches:
        for ep in endpoints:
            assert not ep["channels"] or set(ep["channels"]) & set(channels)


def test_the_payload_is_the_first_example_of_the_newest_schema_version():
    event_type = {"name": "invoice.paid", "schemas": {
        "2": {"type": "object", "examples": [{"invoiceId": "inv_2"}]},
        "10": {"type": "object", "examples": [{"invoiceId": "inv_10"}, {"invoiceId": "second"}]},
        "1": {"type": "object", "examples": [{"invoiceId": "inv_1"}]},
    }}
    assert example_payload(event_type) == {"invoiceId": "inv_10"}


@pytest.mark.parametrize("schemas", [None, {}, {"1": {"type": "object"}}, {"1": {"examples": []}},
                                     {"1": {"examples": ["not an object"]}}, {"1": "junk"}])
def test_no_usable_example_gives_no_payload(schemas):
    assert example_payload({"name": "x", "schemas": schemas}) is None


def test_urls_are_shown_without_credentials_path_or_query():
    assert shown_url("https://user:pw@hooks.example.com:8443/in?token=abc") == "https://hooks.example.com:8443/…?…"
    assert shown_url("https://hooks.example.com/acme/billing") == "https://hooks.example.com/…"


def attempt(status: int, code: int, when: str, ms: int = 5) -> dict:
    return {"id": f"atmpt_{when}", "status": status, "responseStatusCode": code, "timestamp": when,
            "responseDurationMs": ms, "response": "", "endpointId": "ep_a", "msgId": "msg_a", "url": "u"}


def test_the_first_finished_attempt_decides():
    first_failed = attempt(2, 500, "2026-01-01T00:00:01Z")
    later_success = attempt(0, 200, "2026-01-01T00:00:02Z")
    sending = attempt(3, 0, "2026-01-01T00:00:00Z")
    assert deciding_attempt([later_success, sending, first_failed]) is first_failed
    assert deciding_attempt([sending]) is None
    assert deciding_attempt([]) is None


def rows() -> list[Result]:
    return [
        Result("acme", "app_1", "billing", "ep_1", "https://h/acme/billing", "invoice.paid", "accepted",
               status_code=200, duration_ms=4, message_id="msg_1"),
        Result("acme", "app_1", "users", "ep_2", "https://h/acme/users", "user.created", "failed",
               status_code=500, duration_ms=7, message_id="msg_2", detail="HTTP 500, 7 ms: boom"),
        Result("acme", "app_1", "old", "ep_3", "https://h/acme/old", None, "not targeted",
               detail="endpoint disabled"),
    ]


def test_the_table_has_a_row_per_endpoint_and_event_type():
    table = render_table(rows())
    lines = table.splitlines()
    assert lines[0].split() == ["APPLICATION", "ENDPOINT", "EVENT", "TYPE", "OUTCOME"]
    assert "accepted (HTTP 200, 4 ms)" in lines[1] and "billing" in lines[1]
    assert "FAILED: HTTP 500, 7 ms: boom" in lines[2] and "users" in lines[2]
    assert "not targeted: endpoint disabled" in lines[3]


def test_the_summary_names_each_failing_endpoint_once_with_its_event_types():
    failing_twice = rows() + [Result("acme", "app_1", "users", "ep_2", "https://h/acme/users", "user.deleted",
                                     "failed", detail="no attempt within 60 s")]
    text = summary(failing_twice)
    assert text == "2 of 3 deliveries failed: endpoint users of application acme (user.created, user.deleted)"
    ok = summary(rows()[:1])
    assert ok.startswith("all 1 deliveries accepted"), ok


def test_json_output_is_one_document_for_machines():
    doc = json.loads(render_json(rows(), "https://api.example.com"))
    assert doc["ok"] is False and doc["server"] == "https://api.example.com"
    failed = doc["results"][1]
    assert failed["outcome"] == "failed" and failed["statusCode"] == 500 and failed["endpointId"] == "ep_2"
    assert failed["messageId"] == "msg_2" and failed["eventType"] == "user.created"


def test_test_messages_are_recognisable():
    assert EVENT_ID_PREFIX == "pulumi-svix-verify-"
