"""Which Pulumi resource an object on Svix belongs to, and what this provider process did in this run.

A create whose natural key (an application or endpoint ``uid``, an event type ``name``) is taken
answers HTTP 409. The object found there may be what an interrupted ``pulumi up`` of this very
resource created (its state never learnt the id), and then it is taken over without ``adopt=True``.
It may also belong to another resource of this stack, or to another stack: then it is never taken
over silently. To tell these apart, applications and endpoints carry an ownership marker in their
``metadata``: ``pulumi-svix-owner`` = a hash of the resource's URN (which names the project, the stack
and the resource). It is written with the create (in the same request, so an interrupted create
leaves it too) and whenever the provider writes ``metadata``; it never shows in the state, in
``refresh`` or in a diff. Event types have no field that could carry it (see ``EventTypeProvider``).

The marker is part of the declared ``metadata`` while the provider talks to Svix, so the rule is the
one that was there before: an object is taken over without ``adopt=True`` only if it holds exactly
the declared settings, and with the marker that includes "created by this resource".

Within one run (one provider process), two more guards:

- ``claim``: the objects this process created or took over, per owner. A second resource of the same
  run meeting, by its natural key, an object the first one claimed is refused, also for event types.
- ``took_over``: the objects a create took over. A delete of one of them in the same run (the old
  half of a create-before-delete replacement, or the old name of a resource renamed without an
  alias) only forgets it: it is the object the new resource now tracks.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from typing import Any, Iterator, Optional

OWNER_KEY = "pulumi-svix-owner"  # in the metadata of applications and endpoints
OWNER_OUT = "__owner"  # in the outputs of applications and endpoints: the marker their object carries
APP_UID = "__app_uid"  # in the outputs of endpoints and integrations: their application's uid ("" if none)

_context = threading.local()  # the URN of the resource the current gRPC call is about
_lock = threading.Lock()
_claims: dict[tuple[str, str], str] = {}  # (kind, id) -> owner, in this process
_taken_over: set[tuple[str, str]] = set()  # (kind, id) of objects a create took over, in this process
_applications: dict[str, dict] = {}  # an application's id and its uid -> {"id", "uid"}, as seen in this process


@contextlib.contextmanager
def acting_for(urn: Optional[str]) -> Iterator[None]:
    """The provider calls made in this block are for the resource ``urn``."""
    previous = getattr(_context, "urn", None)
    _context.urn = urn or None
    try:
        yield
    finally:
        _context.urn = previous


def resource_name() -> Optional[str]:
    """The name of the resource the current call is about (the last part of its URN), to name it in an error
    the engine prints without it (a failed Diff)."""
    urn = getattr(_context, "urn", None)
    return urn.rsplit("::", 1)[-1] if urn else None


def owner() -> Optional[str]:
    """The ownership marker of the resource being created or updated; None outside the engine (a
    provider method called directly), where no marker is written or expected."""
    urn = getattr(_context, "urn", None)
    return owner_of(urn) if urn else None


def owner_of(urn: str) -> str:
    """The marker of the resource ``urn``: 32 hex digits of its SHA-256 (the URN names the project and
    stack, which the objects of a customer-facing application need not show)."""
    return hashlib.sha256(urn.encode()).hexdigest()[:32]


def with_marker(metadata: Any, marker: Optional[str]) -> Any:
    """Declared metadata plus the ownership marker (as sent to Svix)."""
    if not marker:
        return metadata
    return {**(metadata or {}), OWNER_KEY: marker}


def without_marker(metadata: Any, declared: Any = None) -> Any:
    """Metadata as Svix holds it, without the ownership marker (as the state records it). An empty
    result is given in the declared form (None or {}), so that it compares as it was declared."""
    if not isinstance(metadata, dict) or OWNER_KEY not in metadata:
        return metadata
    rest = {k: v for k, v in metadata.items() if k != OWNER_KEY}
    return rest or declared


def claim(kind: str, id_: str, marker: Optional[str]) -> None:
    if marker and id_:
        with _lock:
            _claims.setdefault((kind, id_), marker)


def claimed_by_another(kind: str, id_: str, marker: Optional[str]) -> bool:
    """Whether another resource of this run created or took over this object."""
    with _lock:
        holder = _claims.get((kind, id_))
    return bool(marker and holder and holder != marker)


def note_taken_over(kind: str, id_: str) -> None:
    with _lock:
        _taken_over.add((kind, id_))


def was_taken_over(kind: str, id_: str) -> bool:
    with _lock:
        return (kind, id_) in _taken_over


def note_application(id_: Optional[str], uid: Optional[str]) -> None:
    """An application this process saw (its Diff, create, read or update): one provider process serves
    the whole program, and the engine handles an application before the endpoints and integrations
    whose ``app_id`` is one of its outputs. They then know its id and uid without asking Svix."""
    if not id_ or not isinstance(id_, str) or not id_.startswith("app_"):
        return
    known = {"id": id_, "uid": uid if isinstance(uid, str) else ""}
    with _lock:
        _applications[id_] = known
        if known["uid"]:
            _applications[known["uid"]] = known


def application(ref: Any) -> Optional[dict]:
    """``{"id", "uid"}`` of the application with this id or uid, if this process saw it."""
    if not isinstance(ref, str):
        return None
    with _lock:
        return _applications.get(ref)


def reset() -> None:
    """Forgets what this process saw (tests)."""
    with _lock:
        _claims.clear()
        _taken_over.clear()
        _applications.clear()
