"""svix.yaml checks (``pulumi_svix.declarative.check``): every problem is one line naming the file, the line
and the path, all reported at once, with the allowed keys and their rules taken from schema.yaml."""

from __future__ import annotations

import textwrap
import time

import pytest

from pulumi_svix.declarative import SvixConfigError, check
from pulumi_svix.schema import resource_schema

GOOD = """\
externalEventTypes: [user.created]
eventTypes:
  invoice.paid:
    description: Paid
    schemas: {"1": {type: object, properties: {id: {type: string, maxLength: 5}}}}
    feature_flags: [beta]
    adopt: true
applications:
  acme:
    name: Acme
    metadata: {tier: gold}
    endpoints:
      billing:
        url: https://hooks.example.com/acme
        event_types: [invoice.paid, user.created]
        headers: {Authorization: {config: acmeAuth}, X-Plain: visible}
        secret: {env: ACME_SECRET}
      ep_2abc:
        url: https://hooks.example.com/other
    integrations:
      zapier: {name: Zapier}
      integ_2xyz: {name: Make}
  app_2def:
    name: No uid
"""


def write(tmp_path, text: str):
    path = tmp_path / "svix.yaml"
    path.write_text(textwrap.dedent(text))
    return str(path)


def problems(path: str, lookup=lambda ref: "resolved") -> list[str]:
    with pytest.raises(SvixConfigError) as caught:
        check(path, lookup)
    return str(caught.value).splitlines()[1:]


def test_a_good_file_gives_the_resource_arguments(tmp_path):
    checked = check(write(tmp_path, GOOD), lambda ref: f"<{ref}>")
    assert checked["eventTypes"]["invoice.paid"]["feature_flags"] == ["beta"]
    args, endpoints, integrations = checked["applications"]["acme"]
    assert args == {"name": "Acme", "metadata": {"tier": "gold"}, "uid": "acme"}
    assert endpoints["billing"]["uid"] == "billing" and endpoints["ep_2abc"]["import_id"] == "ep_2abc"
    assert endpoints["billing"]["headers"] == {"X-Plain": "visible", "Authorization": "<{'config': 'acmeAuth'}>"}
    assert endpoints["billing"]["secret"] == "<{'env': 'ACME_SECRET'}>"
    assert integrations["integ_2xyz"]["import_id"] == "integ_2xyz" and "import_id" not in integrations["zapier"]
    assert checked["applications"]["app_2def"][0] == {"name": "No uid", "import_id": "app_2def"}


def test_every_problem_is_one_line_with_file_line_and_path(tmp_path):
    path = write(tmp_path, """\
        eventTypes:
          ok.type: {archived: "yes"}
        applications:
          acme:
            name: Acme
            colour: red
            endpoints:
              billing:
                url: ftp://hooks.example.com
                event_types: [ok.type, nope]
                secret: whsec_written_in_the_file
                headers: {Authorization: {config: missingKey}}
          app_2x:
            throttle_rate: "20"
        """)
    found = problems(path, lookup=lambda ref: None)
    where = [line.split(": ", 2)[0].strip() + " " + line.split(": ", 2)[1] for line in found]
    assert where == [
        f"{path}:2 eventTypes[ok.type].archived",
        f"{path}:6 applications[acme].colour",
        f"{path}:9 applications[acme].endpoints[billing].url",
        f"{path}:10 applications[acme].endpoints[billing].event_types[1]",
        f"{path}:11 applications[acme].endpoints[billing].secret",
        f"{path}:12 applications[acme].endpoints[billing].headers.Authorization",
        f"{path}:13 applications[app_2x]",
        f"{path}:14 applications[app_2x].throttle_rate",
    ], found
    text = "\n".join(found)
    assert "unknown key 'colour'" in text and "name is required" in text
    assert "'nope' is neither declared under eventTypes nor listed in externalEventTypes" in text
    assert "pulumi config set --secret missingKey" in text
    assert "whsec_written_in_the_file" not in text and "ftp://" not in text  # values are never repeated


def test_a_duplicate_uid_is_an_error_not_the_last_one_silently(tmp_path):
    path = write(tmp_path, """\
        applications:
          acme:
            name: A
            endpoints:
              billing: {url: "https://a.example.com"}
              billing: {url: "https://b.example.com"}
          acme:
            name: B
        """)
    found = problems(path)
    assert any(f"{path}:2: applications[acme]: duplicate key 'acme' (line 7)" in line for line in found), found
    assert any("endpoints[billing]: duplicate key 'billing' (line 6)" in line for line in found), found


def test_keys_follow_the_schema_not_a_list_of_their_own(tmp_path):
    """Every input of schema.yaml is a key of the file, but those the entry's key or nesting gives."""
    from pulumi_svix.declarative import BY_KEY

    for kind in ("EventType", "Application", "Endpoint", "Integration"):
        for prop in resource_schema(kind).inputs:
            text = "unknown key" if prop.python_name in BY_KEY[kind] else None
            entry = {"EventType": "eventTypes:\n  a.b:\n    {k}: 1\n",
                     "Application": "applications:\n  acme:\n    name: A\n    {k}: 1\n",
                     "Endpoint": "applications:\n  acme:\n    name: A\n    endpoints:\n      e:\n"
                                 "        url: https://x.example.com\n        {k}: 1\n",
                     "Integration": "applications:\n  acme:\n    name: A\n    integrations:\n      i:\n"
                                    "        name: Z\n        {k}: 1\n"}[kind].replace("{k}", prop.python_name)
            path = write(tmp_path, entry)
            try:
                check(path, lambda ref: "x")
                found = []
            except SvixConfigError as error:
                found = str(error).splitlines()[1:]
            if text:
                assert any(text in line and "given by the entry's key" in line for line in found), (kind, prop, found)
            else:
                assert not any("unknown key" in line for line in found), (kind, prop, found)


def test_a_thousand_endpoints_check_in_well_under_a_second(tmp_path):
    lines = ["eventTypes:", "  t.a: {description: A}", "applications:"]
    for a in range(10):
        lines += [f"  app-{a}:", f"    name: App {a}", "    adopt: true", "    endpoints:"]
        lines += [f"      ep-{e}: {{url: 'https://hooks.example.com/{a}/{e}', event_types: [t.a], channels: [c],"
                  f" metadata: {{k: v}}, adopt: true}}" for e in range(100)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    started = time.perf_counter()
    checked = check(path)
    elapsed = time.perf_counter() - started
    assert sum(len(e) for _, e, _ in checked["applications"].values()) == 1000
    print(f"checked 1,000 endpoints in {elapsed * 1000:.0f} ms")
    assert elapsed < 2.0, elapsed
