"""What ``pulumi.dynamic``'s gRPC servicer does not pass on, passed on.

The dynamic-provider host (``python -m pulumi.dynamic``, its ``DynamicResourceProviderServicer``)
hands a provider only ``diff(id, olds, news)``, ``create(props)`` and ``update(id, olds, news)``, and
answers the engine's Diff with ``changes``, ``replaces`` and ``deleteBeforeReplace`` alone. Three
things are lost on the way, and each shows up as a defect of this package:

- Diff's changed-property keys (``diffs``, ``detailedDiff``): the engine applies a resource's
  ``replace_on_changes`` to them, and the preview names them (``[diff: ~url]``). Without them
  ``replace_on_changes`` is silently ignored and a drift-correcting update names no property.
- The request's ``ignoreChanges``: the engine resets ignored properties to the old *inputs*, which a
  refresh does not change, while the provider compares with the old *outputs*, which a refresh sets
  to what Svix holds; so after a refresh the provider "corrects" ignored properties back.
- The request's URN, which the ownership marker of a created object is derived from (see
  ``_ownership``).

The provider process imports this package when it unpickles one of our providers, and ``configure``
(called once per provider before its first operation, always in a Check, Read or Delete that
precedes any Diff, Create or Update of it) installs replacements for Diff, Create and Update. The
servicer methods are wrapped by ``_abort_with_traceback`` and the gRPC server holds bound methods of
those wrappers, so the replacement goes into the wrapper's closure, and the wrapper (error reporting
included) stays as it is. Resources of other dynamic providers in the same program go through the
original methods unchanged.
"""

from __future__ import annotations

import asyncio
import re
import sys
import threading
from typing import Any, Callable, Optional

from ._ownership import acting_for

PROVIDER_KEY = "__provider"
PATCHED_METHODS = ("Diff", "Create", "Update")
# The provider host's gRPC server runs on ThreadPoolExecutor(max_workers=4): at most 4 calls (creates,
# reads, deletes: each waits on Svix) at once, whatever the engine's --parallel (default 8). Widened
# to this, it never binds: the engine sends at most --parallel operations at once, and the pool starts
# a thread only when a call finds none idle. PULUMI_SVIX_PROVIDER_THREADS overrides it.
PROVIDER_THREADS = 64
_lock = threading.Lock()


def install() -> bool:
    """Installs the replacements in the running dynamic-provider host; False where there is none
    (a provider method called directly) or its servicer is not shaped as expected."""
    main = sys.modules.get("__main__")
    servicer = getattr(main, "DynamicResourceProviderServicer", None)
    if servicer is None or not callable(getattr(main, "get_provider", None)):
        return False
    widen_worker_pool(main)
    with _lock:
        if getattr(servicer, "_pulumi_svix", False):
            return True
        cells = {name: _wrapped_function_cell(servicer.__dict__.get(name)) for name in PATCHED_METHODS}
        if any(cell is None for cell in cells.values()):
            print("pulumi-svix: pulumi.dynamic's servicer is not shaped as expected; replace_on_changes, "
                  "ignore_changes after a refresh and ownership markers are not available", file=sys.stderr)
            return False
        makers = {"Diff": _diff, "Create": _create, "Update": _update}
        for name, cell in cells.items():
            cell.cell_contents = makers[name](cell.cell_contents, main)
        servicer._pulumi_svix = True
    return True


def widen_worker_pool(main: Any, threads: Optional[int] = None) -> bool:
    """Lets the provider host serve ``threads`` calls at once instead of 4. Fails safe: where the host
    is not shaped as this expects (a future SDK), it keeps working with its own pool, and says so."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    wanted = threads or int(os.environ.get("PULUMI_SVIX_PROVIDER_THREADS") or PROVIDER_THREADS)
    pool = _server_thread_pool(main)
    if not isinstance(pool, ThreadPoolExecutor) or not isinstance(getattr(pool, "_max_workers", None), int) \
            or not callable(getattr(pool, "_adjust_thread_count", None)) \
            or not hasattr(pool, "_work_queue") or not hasattr(pool, "_idle_semaphore"):
        print("pulumi-svix: warning: could not find the worker pool of pulumi.dynamic's provider host (a "
              "Pulumi SDK change?); it serves its default number of calls at a time (4)", file=sys.stderr)
        return False
    with _lock:
        if getattr(pool, "_pulumi_svix", False):
            return True
        pool._max_workers = max(pool._max_workers, wanted)  # read by _adjust_thread_count at each submit
        pool._adjust_thread_count = _grow_while_calls_wait(pool, pool._adjust_thread_count)
        pool._pulumi_svix = True
        # Calls that came with the first one (a destroy's deletes arrive together) wait in the queue
        # for the 4 threads: start threads for them now.
        for _ in range(pool._work_queue.qsize()):
            pool._adjust_thread_count()
    return True


def _grow_while_calls_wait(pool: Any, adjust: Callable) -> Callable:
    """``ThreadPoolExecutor`` starts a thread at a submit only if it counts no idle one, and it counts
    one more idle thread after every finished call, also when that thread went straight on to a
    queued call: after a burst the pool stops growing while calls wait. A waiting call wins here."""
    def adjust_thread_count() -> None:
        if pool._work_queue.qsize() > 0:
            while pool._idle_semaphore.acquire(timeout=0):
                pass
        adjust()

    return adjust_thread_count


def _server_thread_pool(main: Any) -> Any:
    """The executor of the gRPC server that ``pulumi.dynamic``'s ``main()`` is serving, found in that
    function's frame on the main thread (it waits there for as long as the process lives)."""
    frame = sys._current_frames().get(threading.main_thread().ident)
    while frame is not None:
        if frame.f_code.co_name == "main" and frame.f_globals is getattr(main, "__dict__", None):
            server = frame.f_locals.get("server")
            state = getattr(server, "_state", None)
            return getattr(state, "thread_pool", None)
        frame = frame.f_back
    return None


def _wrapped_function_cell(wrapper: Any) -> Any:
    """The closure cell holding the servicer method that ``_abort_with_traceback`` wraps."""
    code = getattr(wrapper, "__code__", None)
    closure = getattr(wrapper, "__closure__", None)
    if code is None or not closure or code.co_freevars != ("fn",) or not callable(closure[0].cell_contents):
        return None
    return closure[0]


def _ours(provider: Any) -> bool:
    from ._engine import SvixProvider

    return isinstance(provider, SvixProvider)


def _diff(original: Callable, main: Any) -> Callable:
    def Diff(servicer, request, context):  # noqa: N802 — the gRPC method's name
        from pulumi.runtime import rpc

        olds = rpc.deserialize_properties(request.olds, True)
        news = rpc.deserialize_properties(request.news, True)
        provider = main.get_provider(olds if news.get(PROVIDER_KEY) == rpc.UNKNOWN else news, servicer._config)
        if not _ours(provider):
            return original(servicer, request, context)
        news = with_ignored_as_recorded(news, olds, list(request.ignoreChanges))
        with acting_for(request.urn):
            return provider.diff_response(request.id, olds, news)

    return Diff


def _create(original: Callable, main: Any) -> Callable:
    def Create(servicer, request, context):  # noqa: N802
        with acting_for(request.urn):
            return original(servicer, request, context)

    return Create


def _update(original: Callable, main: Any) -> Callable:
    def Update(servicer, request, context):  # noqa: N802
        from pulumi.runtime import proto, rpc

        olds = rpc.deserialize_properties(request.olds)
        news = rpc.deserialize_properties(request.news)
        provider = main.get_provider(news, servicer._config)
        if not _ours(provider):
            return original(servicer, request, context)
        news = with_ignored_as_recorded(news, olds, list(request.ignoreChanges))
        with acting_for(request.urn):
            result = provider.update(request.id, olds, news)
        outs = dict(result.outs or {})
        outs[PROVIDER_KEY] = news[PROVIDER_KEY]
        loop = asyncio.new_event_loop()
        try:
            properties = loop.run_until_complete(rpc.serialize_properties(outs, {}))
        finally:
            loop.close()
        return proto.UpdateResponse(properties=properties)

    return Update


# ---------------------------------------------------------------------------------------------
# ignore_changes

_SEGMENT = re.compile(r'\.?([^.\[\]"]+)|\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]')


def parse_path(path: str) -> Optional[list]:
    """A Pulumi property path (``metadata``, ``metadata.team``, ``headers["X-Team"]``, ``channels[0]``)
    as keys and indexes; None for what this does not handle (wildcards)."""
    parts: list = []
    position = 0
    while position < len(path):
        match = _SEGMENT.match(path, position)
        if not match or match.end() == position or (position == 0 and path.startswith(".")):
            return None
        name, quoted, index = match.groups()
        if name == "*" or quoted == "*":
            return None
        parts.append(int(index) if index is not None else (quoted if quoted is not None else name))
        position = match.end()
    return parts or None


def with_ignored_as_recorded(news: dict, olds: dict, ignore_changes: list[str]) -> dict:
    """``news`` with every ``ignore_changes`` path set to the value the state records (the old
    outputs, which a refresh sets to what Svix holds): ignored properties stay as they are, before
    and after a refresh. (The engine resets them to the old inputs, which a refresh leaves alone.)
    A path this does not handle ignores its whole top-level property."""
    if not ignore_changes:
        return news
    news = dict(news)
    for path in ignore_changes:
        parts = parse_path(path)
        top = parts[0] if parts else path.split(".", 1)[0].split("[", 1)[0]
        if top == PROVIDER_KEY or not isinstance(top, str):
            continue
        if top == "secret" and news.get("secret") is None:
            continue  # no declared secret (Svix's own, rotated by the trigger): nothing to hold back
        if not parts or len(parts) == 1 or not _reset_nested(news, olds, parts):
            if top in olds:
                news[top] = olds[top]
            else:
                news.pop(top, None)
    return news


def _reset_nested(news: dict, olds: dict, parts: list) -> bool:
    """Sets ``news[parts...]`` to ``olds[parts...]`` (removes it where olds has none). False where a
    container on the way is missing on either side."""
    import copy

    top = parts[0]
    new_root, old = copy.deepcopy(news.get(top)), olds.get(top)
    container = new_root
    for part in parts[1:-1]:
        try:
            container, old = container[part], old[part]
        except (KeyError, IndexError, TypeError):
            return False
    last = parts[-1]
    try:
        if isinstance(container, dict) and isinstance(old, dict):
            if last in old:
                container[last] = old[last]
            else:
                container.pop(last, None)
        elif isinstance(container, list) and isinstance(old, list) and isinstance(last, int):
            container[last] = old[last]
        else:
            return False
    except (IndexError, TypeError):
        return False
    news[top] = new_root
    return True
