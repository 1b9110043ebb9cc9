"""Review defects of issue 11, offline (no API, no engine): each test reproduces one reported defect.

Engine-level reproductions are in tests/e2e/test_review_defects_values.py, provider-level ones
(against the emulator) in tests/provider/test_review_defects.py.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import dill
import pytest

from pulumi_svix.resources._engine import api_body, changed_properties, verify_stored
from pulumi_svix.resources.application import ApplicationProvider
from pulumi_svix.resources.endpoint import EndpointProvider
from pulumi_svix.schema import resource_schema

ENDPOINT = resource_schema("Endpoint")
EVENT_TYPE = resource_schema("EventType")
GOOD_ENDPOINT = {"app_id": "app_1", "url": "https://hooks.example.com/svix"}
BARE_SECRET = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"  # base64 of 24 bytes, without the whsec_ prefix


def failures(provider, news) -> dict[str, str]:
    return {f.property: f.reason for f in provider.check({}, news).failures}


# --- item 2: a declared secret without the whsec_ prefix --------------------------------------------

def test_a_declared_secret_without_the_prefix_equals_the_form_svix_returns():
    """Svix answers ``whsec_`` + the same base64 for a secret declared without the prefix: the two
    are one secret, so refresh (which records Svix's form) must not make the next up rotate."""
    olds = {**GOOD_ENDPOINT, "secret": "whsec_" + BARE_SECRET}
    news = {**GOOD_ENDPOINT, "secret": BARE_SECRET}
    assert changed_properties(ENDPOINT, olds, news) == []
    assert changed_properties(ENDPOINT, news, olds) == []
    other = {**GOOD_ENDPOINT, "secret": "WFlaQUJDREVGR0hJSktMTU5PUFFSU1RV"}
    assert [p.python_name for p in changed_properties(ENDPOINT, olds, other)] == ["secret"]


# --- item 7: validation messages never repeat a value that may be secret ----------------------------

SECRET_PATH = "services/T0000/B0000/XXXXsecretXXXX"


@pytest.mark.parametrize("url", [f"hooks.slack.com/{SECRET_PATH}", f"ftp://hooks.slack.com/{SECRET_PATH}",
                                 f"https:/{SECRET_PATH}", f"user:{SECRET_PATH}@hooks.slack.com/x"])
def test_a_refused_url_is_not_repeated_in_the_check_message(url):
    found = failures(EndpointProvider(), {**GOOD_ENDPOINT, "url": url})
    assert "url" in found and "http or https" in found["url"]
    assert "XXXXsecretXXXX" not in str(found) and "slack" not in str(found)


def test_no_check_message_repeats_a_value():
    """Any input may be an ``Output.secret``, and check cannot tell: no message quotes a value."""
    value = "app_XXXXsecretXXXX"
    found = failures(ApplicationProvider(), {"name": "A", "uid": value})
    assert "uid" in found and "app_" in found["uid"] and "XXXXsecretXXXX" not in found["uid"]


def test_a_url_the_server_did_not_store_is_not_repeated_in_the_error():
    from pulumi_svix.client import SvixError

    declared = {**GOOD_ENDPOINT, "url": f"https://hooks.slack.com/{SECRET_PATH}"}
    with pytest.raises(SvixError) as raised:
        verify_stored(ENDPOINT, "http://svix.test", declared,
                      {"url": "https://hooks.slack.com/other-XXXXsecretXXXX", "description": ""})
    assert "url" in str(raised.value) and "XXXXsecretXXXX" not in str(raised.value)


# --- item 8: whole numbers in free-form JSON ---------------------------------------------------------

def test_whole_numbers_inside_event_type_schemas_are_sent_as_integers():
    """Pulumi hands every number over as a double: ``{"maxLength": 5}`` arrives as 5.0."""
    schemas = {"1": {"type": "string", "maxLength": 5.0, "minimum": 0.0, "multipleOf": 0.5,
                     "enum": [1.0, "x", True, None], "items": [{"maxItems": 2.0}], "default": -3.0}}
    sent = json.dumps(api_body(EVENT_TYPE, {"name": "a.b", "schemas": schemas}))
    assert json.loads(sent)["schemas"] == {"1": {"type": "string", "maxLength": 5, "minimum": 0,
                                                 "multipleOf": 0.5, "enum": [1, "x", True, None],
                                                 "items": [{"maxItems": 2}], "default": -3}}
    assert "5.0" not in sent and "0.0" not in sent and "2.0" not in sent and "-3.0" not in sent
    assert "0.5" in sent and "true" in sent


# --- item 9: preview accepts exactly what Svix accepts -----------------------------------------------

@pytest.mark.parametrize("value", ["20", True, False, 1.5, [20]])
def test_throttle_rate_that_is_not_a_whole_number_fails_at_preview(value):
    found = failures(EndpointProvider(), {**GOOD_ENDPOINT, "throttle_rate": value})
    assert "throttle_rate" in found, found
    assert repr(value) not in found["throttle_rate"] or value in (True, False)


@pytest.mark.parametrize("value", [20, 20.0])
def test_throttle_rate_whole_numbers_pass(value):
    assert failures(EndpointProvider(), {**GOOD_ENDPOINT, "throttle_rate": value}) == {}


def metadata_of(size: int, keys: int = 200, char: str = "v") -> dict[str, str]:
    """``keys`` entries whose compact JSON is exactly ``size`` bytes (svix-server's measure)."""
    meta = {f"k{i:03d}": "" for i in range(keys)}
    base = len(json.dumps(meta, separators=(",", ":")))
    count, rest = divmod(size - base, len(char.encode()))
    meta["k000"] = char * count + "v" * rest
    assert len(json.dumps(meta, separators=(",", ":"), ensure_ascii=False).encode()) == size
    return meta


def emulator_accepts(metadata: dict) -> bool:
    from pydantic import ValidationError

    from pulumi_svix.emulator.models import AppIn

    try:
        AppIn.model_validate({"name": "A", "metadata": metadata})
    except ValidationError:
        return False
    return True


def preview_accepts(metadata: dict) -> bool:
    return "metadata" not in failures(ApplicationProvider(), {"name": "A", "metadata": metadata})


def as_sent(metadata: dict) -> dict:
    """The metadata as the provider sends it under the engine (with its ownership marker, if any)."""
    from pulumi_svix.validation import _as_sent

    return _as_sent(resource_schema("Application").input("metadata"), metadata)


@pytest.mark.parametrize("size", [4001, 4030, 4041, 4042, 4060, 4096, 4097])
def test_preview_accepts_metadata_exactly_when_svix_accepts_what_is_sent(size):
    """svix-server: ``serde_json::to_string(&metadata).len() <= 4096`` — compact JSON, UTF-8 bytes, of
    what it receives (the declared map, and the provider's ownership marker if it adds one)."""
    metadata = metadata_of(size)
    assert preview_accepts(metadata) is emulator_accepts(as_sent(metadata))


def test_a_200_key_map_of_4001_bytes_passes_preview_and_the_emulator():
    metadata = metadata_of(4001)
    assert len(json.dumps(metadata).encode()) == 4400  # what the emulator measured before: with spaces
    assert preview_accepts(metadata) and emulator_accepts(as_sent(metadata))
    assert not preview_accepts(metadata_of(4097))


def test_metadata_non_ascii_counts_its_utf8_bytes_not_escapes():
    metadata = metadata_of(3900, keys=1, char="é")  # 2 bytes each in UTF-8, 6 as a \u escape
    assert preview_accepts(metadata)
    assert emulator_accepts(as_sent(metadata))


def test_one_measure_of_json_size_for_provider_and_emulator():
    from pulumi_svix import limits
    from pulumi_svix.emulator import models

    assert models.json_bytes is limits.json_bytes
    assert limits.json_bytes({"a": "é", "b": [1, 2]}) == len('{"a":"é","b":[1,2]}'.encode())


# --- stable import paths of the pickled providers ----------------------------------------------------

GOLDEN = Path(__file__).parent / "data" / "pickled_providers_v0.1.0.json"


@pytest.mark.parametrize("kind", ["Application", "Endpoint", "EventType", "Integration"])
def test_providers_pickled_into_existing_stacks_still_load(kind):
    """Every resource's state holds ``__provider``: a pickle naming the provider class by module path.
    These are the exact values version 0.1.0 wrote; refresh and destroy of those stacks load them. If
    this fails, a provider class was renamed or moved: keep the old path importable (an alias)."""
    pickled = json.loads(GOLDEN.read_text())["providers"][kind]
    provider = dill.loads(base64.b64decode(pickled))  # as pulumi.dynamic's provider host does
    assert provider.kind == kind
    assert provider.schema.kind == kind
    assert callable(provider.read) and callable(provider.delete)
