"""``pulumi-svix verify`` against hostile or broken input, without a server: a receiver's answer that carries
terminal escapes, endpoint URLs whose path is a credential, payload files Python reads but cannot send, a
server URL with ``/api/v1`` appended, and a Svix that stops answering after the test messages were sent."""

from __future__ import annotations

import json

import pytest

from pulumi_svix import verify
from pulumi_svix.client import SvixError
from pulumi_svix.verify import Result, VerifyError, render_json, render_table, shown_url, summary

SPOOF = "\x1b[2K\x1b[1Gwapp spoof invoice.failed accepted (HTTP 204, 2 ms)\x1b[8m"
SLACK = "https://hooks.slack.com/services/T0001/B0002/PathTokenS3cr3tXYZ"


def test_nothing_from_the_network_can_drive_the_terminal():
    hostile = Result("acme\x1b[31m", "app_1", "billing\x07", "ep_1", "https://h/…", "invoice.\x9bfailed", "failed",
                     status_code=500, duration_ms=3, message_id="msg_1", detail=f"HTTP 500, 3 ms: {SPOOF}")
    shown = render_table([hostile]) + "\n" + summary([hostile])
    assert all(ch.isprintable() or ch == "\n" for ch in shown), repr(shown)
    assert "\\x1b[2K" in shown and "\\x07" in shown and "\\x9b" in shown  # escaped, so still visible
    assert "\u202e" not in render_table([Result("a", "app", "e\u202eb", "ep", "u", "t", "accepted", 200, 1)])


def test_a_failed_attempts_answer_is_escaped_in_the_detail_too():
    message = verify.Message({"id": "app_1", "uid": "acme"}, "invoice.paid", None, [], id="msg_1")
    ep = {"id": "ep_1", "uid": "billing", "url": "https://h/x"}
    row = verify._outcome(message, ep, {"status": 2, "responseStatusCode": 500, "responseDurationMs": 3,
                                        "response": SPOOF})
    assert "\x1b" not in render_table([row])


def test_an_endpoint_url_path_is_never_shown_it_may_be_a_credential():
    assert "PathTokenS3cr3tXYZ" not in shown_url(SLACK)
    assert shown_url(SLACK) == "https://hooks.slack.com/…"
    assert shown_url("https://user:pw@hooks.example.com:8443/in?token=abc") == "https://hooks.example.com:8443/…?…"
    assert shown_url("https://hooks.example.com") == "https://hooks.example.com"
    assert shown_url("https://hooks.example.com/?a=b") == "https://hooks.example.com/?…"


def test_an_endpoint_without_a_uid_is_shown_by_its_host_and_id():
    app = {"id": "app_1", "uid": "acme"}
    row = verify._endpoint_result(app, {"id": "ep_2Xyz", "url": SLACK}, "invoice.paid", "accepted",
                                  status_code=200, duration_ms=1)
    out = render_table([row]) + summary([row]) + render_json([row], "https://api.example.com")
    assert "PathTokenS3cr3tXYZ" not in out and "T0001" not in out
    assert row.endpoint == "ep_2Xyz (https://hooks.slack.com/…)"


@pytest.mark.parametrize("text", ['{"e": NaN}', '{"e": 1e400}', '{"e": -Infinity}', '{"e": [Infinity]}'])
def test_a_payload_that_cannot_be_sent_as_json_is_a_bad_payload(tmp_path, text):
    path = tmp_path / "payload.json"
    path.write_text(text)
    with pytest.raises(VerifyError, match=rf"^--payload {path}: .*(NaN|infinit)"):
        verify.read_payload(str(path))


class FakeSvix:
    """Lists what it is given; ``posts`` are the messages sent; ``fail_polls`` breaks the attempt listing."""

    def __init__(self, event_types: list[dict], endpoints: list[dict], fail_polls: Exception | None = None):
        self.event_types, self.endpoints, self.fail_polls = event_types, endpoints, fail_polls
        self.posts: list[dict] = []

    def get(self, path, missing_ok=False, **kw):
        return {"id": "app_1", "uid": "acme"} if path == "/api/v1/app/acme" else None

    def list_all(self, path, params=None):
        if path == "/api/v1/event-type":
            return self.event_types
        if path.endswith("/endpoint"):
            return self.endpoints
        if self.fail_polls:
            raise self.fail_polls
        return []

    def post(self, path, body):
        self.posts.append(body)
        return {"id": f"msg_{len(self.posts)}"}


def test_an_example_that_cannot_be_sent_stops_verify_before_anything_is_sent():
    api = FakeSvix([{"name": "a.ok", "schemas": {"1": {"examples": [{"x": 1}]}}},
                    {"name": "b.bad", "schemas": {"1": {"examples": [{"x": float("nan")}]}}}],
                   [{"id": "ep_1", "uid": "billing", "url": "https://h/x"}])
    with pytest.raises(VerifyError, match="b.bad"):
        verify.verify(api, ["acme"], None, None, 1.0)
    assert api.posts == []


def test_a_server_url_with_the_api_path_appended_is_named_as_the_problem():
    class WrongPrefix(FakeSvix):
        def list_all(self, path, params=None):
            from pulumi_svix.client import SvixApiError
            raise SvixApiError("GET", path, 404, "not_found", "Entity not found", None)

        def get(self, path, missing_ok=False, **kw):
            return None

    with pytest.raises(VerifyError, match=r"--server-url.*/api/v1"):
        verify.verify(WrongPrefix([], []), ["acme"], None, None, 1.0)


def test_when_polling_fails_after_sending_the_rows_known_so_far_come_with_the_error():
    api = FakeSvix([{"name": "a.ok"}], [{"id": "ep_1", "uid": "billing", "url": "https://h/x"}],
                   fail_polls=SvixError("Svix at http://x did not answer within 40 s"))
    with pytest.raises(verify.Unfinished) as stopped:
        verify.verify(api, ["acme"], None, None, 1.0)
    [row] = stopped.value.results
    assert row.message_id == "msg_1" and row.endpoint == "billing" and row.outcome == "failed"
    assert "did not answer within 40 s" in str(stopped.value)


def test_a_reason_without_an_http_answer_is_shown_whole_and_an_answer_is_cut_between_words():
    message = verify.Message({"id": "app_1", "uid": "acme"}, "invoice.paid", None, [], id="msg_1")
    ep = {"id": "ep_1", "uid": "billing", "url": "https://h/x"}
    reason = ("delivery to 10.0.0.5 (hooks.internal) is not allowed by the emulator: it delivers only to "
              "127.0.0.0/8, ::1/128 (--allow-delivery-to CIDR)")
    row = verify._outcome(message, ep, {"status": 2, "responseStatusCode": 0, "responseDurationMs": 0,
                                        "response": reason})
    assert reason in row.detail
    long_answer = "word " * 40
    row = verify._outcome(message, ep, {"status": 2, "responseStatusCode": 500, "responseDurationMs": 1,
                                        "response": long_answer})
    assert row.detail.endswith("word …"), row.detail


def test_json_stays_one_document_with_the_raw_answer():
    row = Result("acme", "app_1", "billing", "ep_1", "https://h/…", "t", "failed", detail=f"HTTP 500: {SPOOF}")
    assert json.loads(render_json([row], "u"))["results"][0]["detail"] == f"HTTP 500: {SPOOF}"


def test_the_client_calls_a_body_it_cannot_encode_that_not_an_unreachable_server():
    from pulumi_svix.client import SvixClient
    from pulumi_svix.config import Settings

    api = SvixClient(Settings(server_url="http://127.0.0.1:9", token="testsk_secret-token"))
    with pytest.raises(SvixError) as raised:
        api.post("/api/v1/app/app_1/msg", {"payload": {"e": float("nan")}})
    assert "could not reach" not in str(raised.value) and "NaN" in str(raised.value), raised.value
    assert api._broken is None  # the server is not to blame: later calls still go out
