"""Where pulumi-svix's provider spends its time, without the engine: a cProfile of its methods.

    .venv/bin/python -m bench.profile_provider [--resources 600] [--top 25] [--no-profile]

For every resource of the benchmark stack this calls, in one thread and in dependency order, what
the dynamic-provider process calls per resource (check, create, then a no-op diff, read, delete)
against an emulator on loopback, and prints the wall and CPU time per phase (CPU of this process:
the provider's side only, the emulator runs apart) and the functions that take it.
Not part of `make bench`: it is the tool to use when the engine-floor ratio is high.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from types import SimpleNamespace

from pulumi_svix.emulator.runner import Emulator
from pulumi_svix.resources import application, endpoint, event_type, integration
from pulumi_svix.schema import resource_schema

from . import shape

PROVIDERS = {"Application": application.ApplicationProvider, "Endpoint": endpoint.EndpointProvider,
             "EventType": event_type.EventTypeProvider, "Integration": integration.IntegrationProvider}


def _inputs(kind: str, props: dict, created: dict) -> dict:
    """The inputs the program would send, references resolved as the engine would resolve them."""
    def resolve(value):
        if isinstance(value, tuple) and value[0] == "secret":
            return value[1]
        if isinstance(value, tuple):
            ref_kind, name, attribute = value
            return created[(ref_kind, name)][1][attribute]
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    given = {k: resolve(v) for k, v in props.items()}
    return {p.python_name: given.get(p.python_name) for p in resource_schema(kind).properties}


def profile(resources: int, top: int, enabled: bool = True) -> None:
    apps = shape.apps_for(resources)
    with Emulator() as emulator:
        config = {"svix:serverUrl": emulator.url, "svix:token": emulator.token}
        providers = {kind: cls() for kind, cls in PROVIDERS.items()}
        for provider in providers.values():
            provider.configure(SimpleNamespace(config=SimpleNamespace(get=config.get)))
        definitions = list(shape.definitions(apps, 0))
        created: dict = {}
        phases: dict[str, tuple[float, float]] = {}
        profiler = cProfile.Profile()

        def phase(name: str, body) -> None:
            started, cpu = time.perf_counter(), time.process_time()
            if enabled:
                profiler.enable()
            body()
            if enabled:
                profiler.disable()
            phases[name] = (time.perf_counter() - started, time.process_time() - cpu)

        def create_all() -> None:
            for kind, name, props in definitions:
                provider = providers[kind]
                inputs = provider.check({}, _inputs(kind, props, created)).inputs
                result = provider.create(inputs)
                created[(kind, name)] = (result.id, {"id": result.id, **result.outs})

        def diff_all() -> None:
            for kind, name, props in definitions:
                id_, outs = created[(kind, name)]
                inputs = providers[kind].check(outs, _inputs(kind, props, created)).inputs
                assert not providers[kind].diff(id_, outs, inputs).changes, (kind, name)

        def read_all() -> None:
            for kind, name, _ in definitions:
                id_, outs = created[(kind, name)]
                providers[kind].read(id_, outs)

        def delete_all() -> None:
            for kind, name, _ in reversed(definitions):
                id_, outs = created[(kind, name)]
                providers[kind].delete(id_, outs)

        before = emulator.stats()["total"]
        phase("check + create", create_all)
        phase("check + diff (no-op)", diff_all)
        phase("read (refresh)", read_all)
        phase("delete", delete_all)
        calls = emulator.stats()["total"] - before

    print(f"{resources} resources, {calls} API calls, one thread{', under cProfile' if enabled else ''}:")
    for name, (seconds, cpu) in phases.items():
        print(f"  {name:22s} {seconds:6.2f} s wall, {cpu:6.2f} s CPU in this process "
              f"({cpu / resources * 1000:.2f} ms CPU per resource)")
    if not enabled:
        return
    for sort in ("tottime", "cumulative"):
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats(sort).print_stats(top)
        print(f"\n--- top {top} by {sort} ---")
        print("\n".join(line for line in buffer.getvalue().splitlines() if line.strip())[:12000])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=600)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-profile", action="store_true", help="only time the phases (no cProfile overhead)")
    args = parser.parse_args()
    profile(args.resources, args.top, enabled=not args.no_profile)


if __name__ == "__main__":
    main()
