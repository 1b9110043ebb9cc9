"""What the four providers share: check, diff, error translation and the provider base class.

A provider module only says how its resource maps onto the Svix API (create/read/update/delete
with a client); everything driven by schema.yaml — validation, normalisation, diffing, which
properties force a replacement — lives here, once.

Nothing here is imported by ``import pulumi_svix`` until a provider method runs: pydantic and
requests stay out of every Pulumi program's start-up time.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
import traceback
from typing import Any, ClassVar, Iterator

from pulumi.dynamic import (CheckFailure, CheckResult, ConfigureRequest, CreateResult, DiffResult,
                            ReadResult, ResourceProvider, UpdateResult)

from ..dialect import answer_value, depends_on_dialect, request_body
from ..schema import Property, ResourceSchema, resource_schema
from . import _ownership, _servicer
from ._base import ordered

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi.runtime.rpc.UNKNOWN
UNMARKED = "__unmarked"  # in what ``_create`` returns (never in state): the object was taken over unwritten

# The Svix client of the calls made in this context. The provider plugin (pulumi_svix.provider) serves each
# configured provider instance with its own client and sets it around every operation; the dynamic
# resources leave it unset and use the process's client (``client.client()``).
_api: contextvars.ContextVar[Any] = contextvars.ContextVar("pulumi_svix_api", default=None)


@contextlib.contextmanager
def using_api(api: Any) -> Iterator[None]:
    """The provider methods called in this block talk to Svix through ``api``."""
    token = _api.set(api)
    try:
        yield
    finally:
        _api.reset(token)


def current_api() -> Any:
    """The client of this context: the plugin's provider instance's, else the process's."""
    from .. import client

    return _api.get() or client.client()


# ---------------------------------------------------------------------------------------------
# Normalisation: the form in which two values are compared, so that nothing that Svix treats as
# the same shows up as a diff (set order, null vs empty vs absent, defaults, 5 vs 5.0).

def normalize(prop: Property, value: Any) -> Any:
    if value is None:
        value = prop.default
    if isinstance(value, float) and prop.type == "integer" and value.is_integer():
        value = int(value)
    if prop.rules.get("wholeNumbers"):
        value = whole_numbers(value)
    if prop.rules.get("impliedPrefix") and isinstance(value, str) and value and "_" not in value:
        value = prop.rules["impliedPrefix"] + value  # "QUJD…" is "whsec_QUJD…", as Svix answers it
    if prop.is_set and isinstance(value, (list, tuple)):
        value = sorted(set(value))
    if prop.empty_is_absent and value in ("", [], {}):
        value = None
    if prop.default is not None and value is None:
        value = prop.default
    if prop.empty_is_absent and value in ("", [], {}):
        value = None
    return value


def whole_numbers(value: Any) -> Any:
    """Free-form JSON with its whole numbers as integers, at every depth.

    Pulumi hands every number to the provider as a double, so ``{"maxLength": 5}`` arrives as 5.0
    and would reach Svix (and stay there) as ``5.0``. What was written cannot be told from the
    double; a whole number is taken to be an integer, which JSON Schema treats the same as 5.0.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: whole_numbers(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [whole_numbers(v) for v in value]
    return value


def is_unknown(value: Any) -> bool:
    """True for a value (or a list/map holding one) that preview does not know yet.

    Depending on the code path Pulumi hands these over as the ``UNKNOWN`` sentinel string or as
    ``pulumi.output.Unknown`` objects (Check and Diff decode with ``keep_unknowns``).
    """
    if isinstance(value, str):
        return value == UNKNOWN
    if type(value).__name__ == "Unknown" and type(value).__module__ == "pulumi.output":
        return True
    if isinstance(value, (list, tuple)):
        return any(is_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(is_unknown(v) for v in value.values())
    return False


def changed_properties(schema: ResourceSchema, olds: dict, news: dict) -> list[Property]:
    """Inputs whose declared value differs from the recorded one (unknowns count as changed)."""
    return [prop for prop, _ in property_changes(schema, olds, news)]


def property_changes(schema: ResourceSchema, olds: dict, news: dict) -> list[tuple[Property, str]]:
    """Each changed input with how it changed: ``add`` (it was unset), ``delete`` (it is now unset) or
    ``update``. ``olds`` are the recorded outputs (what Svix held at the last create, update or refresh)."""
    changed = []
    for prop in schema.inputs:
        new = news.get(prop.python_name)
        if prop.python_name == "secret" and new is None:
            continue  # no declared secret: Svix generated one, keep it
        if prop.python_name == "app_id" and same_application(olds, new):
            continue  # the application's uid for its id, or the other way round
        old = normalize(prop, olds.get(prop.python_name))
        if is_unknown(new):
            changed.append((prop, "update"))
        elif normalize(prop, new) != old:
            changed.append((prop, "add" if old is None else "delete" if normalize(prop, new) is None else "update"))
    return changed


def same_application(olds: dict, new: Any) -> bool:
    """Whether ``new`` names the application the state records: by its id, or by the uid it had when
    the endpoint or integration was created (``APP_UID``). Known without an API call: Diff makes none."""
    from ._ownership import APP_UID

    from ._ownership import application

    if new is None or is_unknown(new):
        return False
    recorded = {olds.get("app_id"), olds.get(APP_UID)} - {None, ""}  # "": the application has no uid
    seen = application(new) or {}  # the application's Diff in this run told its id and uid
    return new in recorded or bool(recorded & ({seen.get("id"), seen.get("uid")} - {None, ""}))


def natural_key_kept(schema: ResourceSchema, olds: dict, news: dict) -> bool:
    """Whether a replacement would create its new object under the natural key the old one holds (the
    same uid in the same application, or the same event type name). Svix holds one object per key: such
    a replacement must delete the old object first."""
    if schema.kind == "EventType":
        keys = ["name"]
    elif "uid" in schema.input_names and news.get("uid") is not None:
        keys = ["uid"]
    else:
        return False
    if "app_id" in schema.input_names and not same_application(olds, news.get("app_id")):
        return False
    return all(not is_unknown(news.get(k)) and normalize(schema.input(k), news.get(k))
               == normalize(schema.input(k), olds.get(k)) for k in keys)


def sets_in_order(schema: ResourceSchema, news: dict) -> dict:
    """The declared inputs with every set (event types, channels, flags) sorted: the engine records
    them so, and a preview of a changed set then lists what was added or removed, not a reordering."""
    out = dict(news)
    for prop in schema.inputs:
        value = out.get(prop.python_name)
        if prop.is_set and prop.python_name in out and not is_unknown(value):
            out[prop.python_name] = ordered(value)
    return out


def in_declared_form(schema: ResourceSchema, outs: dict, declared: dict) -> dict:
    """Outputs where Svix said the declared value in another form (a set in its own order, a default
    filled in) keep the declared form: the next preview compares like with like."""
    for prop in schema.inputs:
        name = prop.python_name
        if name in outs and normalize(prop, outs[name]) == normalize(prop, declared.get(name)):
            outs[name] = declared.get(name)
    return outs


def is_lookup(props: dict) -> bool:
    """A read for ``X.get`` (only what ``get`` was given), not the refresh of a recorded object."""
    return not props.get("created_at")


def declared_inputs(schema: ResourceSchema, props: dict) -> dict:
    """Every input of the schema, as declared (absent ones as None): outputs must carry them all."""
    return {p.python_name: props.get(p.python_name) for p in schema.inputs}


# ---------------------------------------------------------------------------------------------
# Errors: the user gets one clear line naming the resource kind, the operation and the property.

def _install_plain_errors() -> None:
    """Make the dynamic-provider host report our errors as their message, not a traceback.

    ``pulumi.dynamic``'s gRPC servicer sends ``traceback.format_exc()`` to the engine for any
    exception. A SvixError already says what went wrong and where, so for those (and only those)
    the message alone is sent.
    """
    from ..client import SvixError

    if getattr(traceback.format_exc, "_pulumi_svix", False):
        return
    original = traceback.format_exc

    def format_exc(*args: Any, **kwargs: Any) -> str:
        error = sys.exc_info()[1]
        if isinstance(error, SvixError):
            return str(error)
        return original(*args, **kwargs)

    format_exc._pulumi_svix = True  # type: ignore[attr-defined]
    traceback.format_exc = format_exc


def translate(schema: ResourceSchema, operation: str, error: Exception, server: str) -> Exception:
    """A Svix API error restated in the user's terms (Python property names, not JSON fields)."""
    from ..client import SvixApiError, SvixError

    if isinstance(error, SvixApiError) and error.no_route:
        return SvixError(f"{schema.kind} {operation} failed: the Svix server at {server} has no "
                         f"{schema.kind} API ({error.method} {error.path} answered HTTP 404 with no body)"
                         + ("; the self-hosted svix-server has no Integration API: Integrations need "
                            "Svix Cloud" if schema.kind == "Integration" else ""))
    if isinstance(error, SvixApiError):
        field = error.field
        prop = next((p for p in schema.inputs if p.api and field and field.split(".")[0] == p.api), None)
        where = f" (property {prop.python_name})" if prop else (f" (field {field})" if field else "")
        hint = ""
        if error.status == 409:  # a taken natural key: the uid, or an event type's name
            key = "uid" if "uid" in schema.input_names else "name"
            where = f" (property {key})"
            hint = (f"; another object already has this {key}, and this resource did not create it with these "
                    f"settings (it has other settings, or another resource or stack created it): choose another "
                    f"{key}, or set adopt=True to take that object over")
        elif error.status == 404 and operation == "create" and "app_id" in schema.input_names:
            where = " (property app_id: no such application)"
        return SvixError(f"{schema.kind} {operation} failed: Svix answered HTTP {error.status} "
                         f"{error.code}: {error.detail}{where}{hint}")
    if isinstance(error, SvixError):
        return SvixError(f"{schema.kind} {operation} failed: {error}")
    return error


# ---------------------------------------------------------------------------------------------

class SvixProvider(ResourceProvider):
    """Base of the four providers. Instances carry no state: Pulumi pickles them into state."""

    kind: ClassVar[str]
    serialize_as_secret_always = False  # nothing secret is captured; keeps __provider small

    @property
    def schema(self) -> ResourceSchema:
        return resource_schema(self.kind)

    # Subclasses implement these against the client; they return the full outputs dict
    # (with the id for create and read: a lookup by uid must end up with the real id).
    def _create(self, api: Any, inputs: dict) -> tuple[str, dict]:
        raise NotImplementedError

    def _read(self, api: Any, id_: str, state: dict) -> tuple[str, dict] | None:
        raise NotImplementedError

    def _update(self, api: Any, id_: str, olds: dict, news: dict, changed: set[str]) -> dict:
        raise NotImplementedError

    def _delete(self, api: Any, id_: str, state: dict) -> None:
        raise NotImplementedError

    # -- pulumi.dynamic.ResourceProvider ------------------------------------------------------

    def configure(self, req: ConfigureRequest) -> None:
        from .. import client
        from ..config import Settings

        client.configure(Settings.resolve(req.config.get))
        _install_plain_errors()
        _servicer.install()

    def check(self, _olds: dict, news: dict) -> CheckResult:
        from ..validation import check_inputs

        failures = [CheckFailure(p, reason) for p, reason in check_inputs(self.schema, news)]
        return CheckResult(sets_in_order(self.schema, news), failures)

    def refuse_placeholders(self, news: dict) -> None:
        """Never sends a placeholder as a value (``validation.placeholder_problems``): refused by create, and by
        an update that writes the property, before any request; the plugin's diff refuses a declared one at
        preview (``provider.plugin``)."""
        from ..client import SvixError
        from ..validation import placeholder_problems

        problems = placeholder_problems(self.schema, news)
        if problems:
            name = _ownership.resource_name()
            raise SvixError((f"{self.kind} {name!r}: " if name else "") + "; ".join(reason for _, reason in problems))

    def diff(self, _id: str, olds: dict, news: dict) -> DiffResult:
        changed = changed_properties(self.schema, olds, news)
        replaces = [p.python_name for p in changed if p.replace_on_changes]
        return DiffResult(changes=bool(changed), replaces=replaces,
                          delete_before_replace=natural_key_kept(self.schema, olds, news))

    def diff_response(self, _id: str, olds: dict, news: dict) -> Any:
        """The engine's DiffResponse, with what ``diff``'s DiffResult cannot carry: the changed
        properties (``diffs``, ``detailedDiff``). The engine applies ``replace_on_changes`` to them and
        the preview names them. Sent by the servicer patch (``_servicer``)."""
        from pulumi.runtime import proto

        kinds = {("add", False): proto.PropertyDiff.ADD, ("add", True): proto.PropertyDiff.ADD_REPLACE,
                 ("delete", False): proto.PropertyDiff.DELETE, ("delete", True): proto.PropertyDiff.DELETE_REPLACE,
                 ("update", False): proto.PropertyDiff.UPDATE, ("update", True): proto.PropertyDiff.UPDATE_REPLACE}
        changed = property_changes(self.schema, olds, news)
        if self._marker_moved(olds) and "metadata" not in {p.python_name for p, _ in changed}:
            changed.append((self.schema.input("metadata"), "update"))  # the marker follows the rename
        # inputDiff=False: the comparison is with the recorded outputs (what Svix held), not old inputs.
        detailed = {p.python_name: proto.PropertyDiff(kind=kinds[(how, p.replace_on_changes)], inputDiff=False)
                    for p, how in changed}
        return proto.DiffResponse(
            changes=proto.DiffResponse.DIFF_SOME if changed else proto.DiffResponse.DIFF_NONE,
            replaces=[p.python_name for p, _ in changed if p.replace_on_changes],
            deleteBeforeReplace=natural_key_kept(self.schema, olds, news),
            diffs=[p.python_name for p, _ in changed], detailedDiff=detailed, hasDetailedDiff=True)

    @property
    def _marked(self) -> bool:
        """Whether the objects carry the ownership marker (in their metadata)."""
        return "metadata" in self.schema.input_names

    def _marker_moved(self, olds: dict) -> bool:
        """Whether the object carries the marker of another URN than this resource's: it was renamed
        (with ``aliases``). The next update writes the new marker, so that a resource later declared
        under the old name finds the object taken, not its own (and no run deletes what another
        state entry records)."""
        marker = _ownership.owner()
        recorded = olds.get(_ownership.OWNER_OUT)
        return bool(self._marked and marker and recorded and recorded != marker)

    def create(self, props: dict) -> CreateResult:
        self.refuse_placeholders(props)
        inputs = declared_inputs(self.schema, props)
        declared_metadata = inputs.get("metadata")
        marker = _ownership.owner()
        if self._marked and marker:
            inputs["metadata"] = _ownership.with_marker(declared_metadata, marker)
        app = self._call("create", self._application, inputs["app_id"]) if "app_id" in inputs else None
        id_, outs = self._call("create", self._create, inputs)
        unmarked = outs.pop(UNMARKED, False)  # taken over as it was: no write, so no marker
        if self._marked:
            outs["metadata"] = _ownership.without_marker(outs.get("metadata"), declared_metadata)
        if app is not None:  # the state records the application by id, and its uid beside it
            outs["app_id"], outs[_ownership.APP_UID] = app.get("id"), app.get("uid") or ""
        if self._marked and marker and not unmarked:
            outs[_ownership.OWNER_OUT] = marker
        _ownership.claim(self.kind, id_, marker)
        return CreateResult(id_, in_declared_form(self.schema, outs, {**inputs, "metadata": declared_metadata}))

    def _application(self, api: Any, app_id: str) -> dict:
        """The application an endpoint or integration is created in: as the application's own Diff
        in this run saw it (no round trip), else from Svix (HTTP 404: there is none)."""
        return _ownership.application(app_id) or api.get(f"/api/v1/app/{app_id}")

    @staticmethod
    def _to_take_over(api: Any, collection: str, inputs: dict) -> dict | None:
        """The object a create takes over without POSTing, or None: the one ``import_id`` names (HTTP
        404 if there is none), else with ``adopt=True`` the one holding the ``uid`` (looked up first, so
        adopting sends no POST that fails with 409)."""
        if inputs.get("import_id"):
            return api.get(f"{collection}/{inputs['import_id']}")
        if inputs.get("adopt") and inputs.get("uid"):
            return api.get(f"{collection}/{inputs['uid']}", missing_ok=True)
        return None

    def _may_take_over(self, existing_id: str, inputs: dict, matches: Any) -> bool:
        """The takeover rule, for a create that found its natural key taken (HTTP 409) by the object
        ``existing_id``: with ``adopt=True``, yes; otherwise only an object that holds exactly the
        declared settings (for applications and endpoints, the ownership marker of this resource among
        them: see ``_ownership``) and that no other resource of this run created or took over.
        ``matches`` is called only when needed (it may read the object's headers and secret)."""
        marker = _ownership.owner()
        if inputs.get("adopt") or inputs.get("import_id"):
            taken = True
        elif _ownership.claimed_by_another(self.kind, existing_id, marker):
            taken = False
        else:
            taken = bool(matches())
        if taken:
            _ownership.note_taken_over(self.kind, existing_id)
            _ownership.claim(self.kind, existing_id, marker)
        return taken

    def read(self, id_: str, props: dict) -> ReadResult:
        found = self._call("read", self._read, id_, props)
        if found is None and is_lookup(props):
            from ..client import SvixError

            raise SvixError(f"{self.kind}.get failed: the Svix server at {current_api().server_url} has no "
                            f"{self.kind} {id_!r}")
        if found is None:
            return ReadResult(None, {})
        live_id, live = found
        if self._marked:  # the ownership marker is Svix's copy of who made it, not a setting
            live["metadata"] = _ownership.without_marker(live.get("metadata"), props.get("metadata"))
        if "app_id" in self.schema.input_names and _ownership.APP_UID not in props and live.get("app_id"):
            # State written before the application's uid was recorded: learn it once.
            app = self._call("read", lambda api: _ownership.application(live["app_id"])
                             or api.get(f"/api/v1/app/{live['app_id']}", missing_ok=True))
            if app:
                live["app_id"], live[_ownership.APP_UID] = app.get("id"), app.get("uid") or ""
        # Where Svix says the same thing in another form (defaults filled in, sets reordered), keep
        # the recorded form: refresh then reports real drift only.
        for prop in self.schema.inputs:
            old = props.get(prop.python_name)
            if normalize(prop, old) == normalize(prop, live.get(prop.python_name)):
                live[prop.python_name] = old
        return ReadResult(live_id, live)

    def update(self, id_: str, olds: dict, news: dict) -> UpdateResult:
        news = declared_inputs(self.schema, news)
        changed = {p.python_name for p in changed_properties(self.schema, olds, news)}
        self.refuse_placeholders({name: news.get(name) for name in changed})  # what this update writes
        declared_metadata = news.get("metadata")
        marker = _ownership.owner()
        if self._marker_moved(olds):
            changed.add("metadata")
        if self._marked and marker and "metadata" in changed:  # written: with the marker
            news["metadata"] = _ownership.with_marker(declared_metadata, marker)
        outs = self._call("update", self._update, id_, olds, news, changed)
        if self._marked:
            outs["metadata"] = _ownership.without_marker(outs.get("metadata"), declared_metadata)
        if "app_id" in self.schema.input_names:  # never changed by an update (that is a replacement)
            outs["app_id"] = olds.get("app_id", outs.get("app_id"))
            if _ownership.APP_UID in olds:
                outs[_ownership.APP_UID] = olds[_ownership.APP_UID]
        if self._marked and marker and "metadata" in changed:
            outs[_ownership.OWNER_OUT] = marker
        elif _ownership.OWNER_OUT in olds:
            outs[_ownership.OWNER_OUT] = olds[_ownership.OWNER_OUT]
        return UpdateResult(in_declared_form(self.schema, outs, {**news, "metadata": declared_metadata}))

    def delete(self, id_: str, props: dict) -> None:
        if _ownership.was_taken_over(self.kind, id_):
            # A create of this run took this very object over (the new half of a create-before-delete
            # replacement, or the new name of a resource renamed without an alias): it now belongs to
            # that resource, and deleting it would leave the state claiming an object Svix no longer has.
            return
        self._call("delete", self._delete, id_, props)

    def _app_id(self, state: dict) -> str:
        """The application an endpoint or integration lives in: Svix addresses them within it."""
        from ..client import SvixError

        if not state.get("app_id"):
            raise SvixError(f"{self.kind}.get needs the application: pass app_id=... "
                            f"(or an id of the form 'app_id/{self.kind.lower()}_id')")
        return state["app_id"]

    def _send(self, api: Any, method: str, path: str, body: dict, declared: dict) -> dict:
        """Sends ``body`` (declared API properties in Svix Cloud's form, restated for the server's
        dialect where that matters) and returns Svix's answer once it holds what was sent."""
        # PATCH leaves omitted fields alone: only what it sends is checked. POST and PUT set the whole
        # object, so every API property must come back as declared (absent ones as unset).
        checked = set(body) if method == "PATCH" else None
        if depends_on_dialect(self.schema, body):
            body = request_body(self.schema, body, api.dialect(), api.server_url)
        answer = api.request(method, path, json=body)
        made = method == "POST" and isinstance(answer, dict) and answer.get("id")
        # A create whose answer shows the server did not store what was declared: the object it made is
        # deleted again before the error is raised (the state will not hold it; the next run would make
        # a second one next to it).
        with removed_on_failure(api, self.kind, path, answer["id"]) if made else contextlib.nullcontext():
            verify_stored(self.schema, api.server_url, declared, answer, checked)
        return answer

    def _call(self, operation: str, method: Any, *args: Any) -> Any:
        api = current_api()
        try:
            return method(api, *args)
        except Exception as error:  # noqa: BLE001 — restated for the user, then re-raised
            translated = translate(self.schema, operation, error, api.server_url)
            if translated is error:
                raise
            raise translated from None


# ---------------------------------------------------------------------------------------------
# Mapping between state (snake_case inputs) and Svix JSON bodies.

def api_body(schema: ResourceSchema, inputs: dict, names: Any = None, *, for_patch: bool = False) -> dict:
    """The Svix JSON for these inputs (all API properties, or only ``names``).

    For PATCH, an absent value is sent as what clears it in Svix (null, or ``clearWith``), since
    PATCH leaves omitted fields alone; for create, absent values are simply omitted.
    """
    body = {}
    for prop in schema.inputs:
        if not prop.api or (names is not None and prop.python_name not in names):
            continue
        value = normalize(prop, inputs.get(prop.python_name))
        if value is None:
            if not for_patch:
                continue
            value = prop.rules.get("clearWith", prop.default)
        body[prop.api] = value
    return body


@contextlib.contextmanager
def removed_on_failure(api: Any, kind: str, collection: str, id_: str) -> Iterator[None]:
    """Deletes the object ``collection/id_`` that this create just made if the block fails.

    A create that fails is not recorded in the state, so whatever it made would be left behind, and
    the next ``pulumi up`` would make another. The block's error is raised as it was; if the delete
    fails too, the error also names the object left behind, so that it can be deleted by hand.
    """
    from ..client import SvixError

    try:
        yield
    except Exception as error:
        try:
            api.delete(f"{collection}/{id_}")
        except Exception as undo_error:  # noqa: BLE001 — reported with the error that caused it
            raise SvixError(f"{error}; the {kind.lower()} {id_} this create made could not be removed "
                            f"again ({undo_error}): delete it (DELETE {collection}/{id_}) before the next "
                            f"`pulumi up`, which would otherwise make a second one") from None
        raise


def answered(schema: ResourceSchema) -> list[Property]:
    """The API properties that the object's own answer carries (not headers or the secret)."""
    return [p for p in schema.inputs if p.api and not p.rules.get("readVia")]


def from_api(schema: ResourceSchema, body: dict) -> dict:
    """State values of the API properties, as a Svix answer holds them.

    A property the answer does not carry is unset on the server, and is reported so: keeping the
    declared value instead would hide a value the server never stored.
    """
    return {p.python_name: answer_value(p, body) for p in answered(schema)}


def verify_stored(schema: ResourceSchema, server: str, declared: dict, answer: Any,
                  api_names: Any = None) -> None:
    """Never report success for what the server did not store: every API property (or those whose
    JSON names are in ``api_names``) must be in Svix's answer as declared."""
    from ..client import SvixError

    if not isinstance(answer, dict):
        raise SvixError(f"the Svix server at {server} answered a write without the object it stored")
    lost = []
    for prop in answered(schema):
        if api_names is not None and prop.api not in api_names:
            continue
        want = normalize(prop, declared.get(prop.python_name))
        held = normalize(prop, answer_value(prop, answer))
        if want != held:
            lost.append(f"{prop.python_name} (not as declared; values not shown, they may be secret)"
                        if may_be_secret(prop) else
                        f"{prop.python_name} (declared {_short(want)}, it holds {_short(held)})")
    if lost:
        raise SvixError(f"the Svix server at {server} did not store what was declared: {'; '.join(lost)}")


def may_be_secret(prop: Property) -> bool:
    """Whether a message may never show this property's value (see ``mayBeSecret`` in schema.yaml)."""
    return prop.secret or bool(prop.rules.get("mayBeSecret"))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def matches_declared(schema: ResourceSchema, body: dict, inputs: dict, skip: Any = ()) -> bool:
    """Whether a Svix object already holds exactly the declared API properties (``skip`` aside).

    A create that answers 409 on the object's natural key (uid, event type name) after an
    interrupted deploy finds the object that deploy created, with these very values: such an
    object is taken over without ``adopt=True``. One that differs is not ours to take. The declared
    metadata of an application or endpoint carries this resource's ownership marker, so an object
    that another resource or stack created differs (see ``_ownership`` and ``_may_take_over``).
    """
    live = from_api(schema, body)
    return all(normalize(p, live.get(p.python_name)) == normalize(p, inputs.get(p.python_name))
               for p in answered(schema) if p.python_name not in skip)


def adopted_unchanged(schema: ResourceSchema, existing: dict, inputs: dict, skip: Any = ()) -> bool:
    """Whether taking over ``existing`` (``adopt=True``, ``import_id``, or an interrupted deploy's object)
    needs no write: it holds the declared API properties already (``skip`` aside), and carries no
    ownership marker or this resource's own. Such an adoption writes nothing, not even the marker: the
    marker only serves the takeover rule of an interrupted create, which an adopted object never needs
    (the state records it from this create on). An object marked by another resource or stack is
    written, so that the marker moves to its new owner."""
    live, declared = dict(existing), dict(inputs)
    if "metadata" in schema.input_names:
        held = live.get("metadata") if isinstance(live.get("metadata"), dict) else {}
        if held.get(_ownership.OWNER_KEY) not in (None, _ownership.owner()):
            return False
        live["metadata"] = _ownership.without_marker(live.get("metadata"))
        declared["metadata"] = _ownership.without_marker(inputs.get("metadata"))
    return matches_declared(schema, live, declared, skip)


def timestamps(body: dict) -> dict:
    return {"created_at": body.get("createdAt"), "updated_at": body.get("updatedAt")}
