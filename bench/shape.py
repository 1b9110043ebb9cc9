"""The benchmark stack: ``apps`` applications with two endpoints and one integration each, plus four
event types, built either with pulumi-svix or with the null provider (same names, same values).

    resources = 4 event types + apps x (1 application + 2 endpoints + 1 integration)

so 60, 300 and 600 resources are 14, 74 and 149 applications. Every endpoint filters on two event
types (a dependency on them) and has two headers, one of them sensitive (a secret).

The program (see PROGRAM below) reads the implementation and the size from stack config
(``bench:impl``, ``bench:apps``); ``BENCH_VARIANT=1`` in the environment changes one field of every
resource (event type description, application name, endpoint description, integration name): that is
the "update of one field" operation.
"""

from __future__ import annotations

import os

EVENT_TYPES = 4
PER_APP = {"Application": 1, "Endpoint": 2, "Integration": 1}

# The program directory's __main__.py: the stack itself is defined here, in an importable module.
PROGRAM = "from bench.shape import main\n\nmain()\n"


def apps_for(resources: int) -> int:
    apps, rest = divmod(resources - EVENT_TYPES, sum(PER_APP.values()))
    if apps < 1 or rest:
        raise ValueError(f"{resources} resources is not 4 + 4 x apps (e.g. 8, 60, 300, 600)")
    return apps


def counts(apps: int) -> dict[str, int]:
    """Objects per resource kind in a stack of ``apps`` applications."""
    return {"EventType": EVENT_TYPES, **{kind: n * apps for kind, n in PER_APP.items()}}


def definitions(apps: int, variant: int):
    """(kind, resource name, properties, depends) for every resource, in declaration order.

    Properties referring to other resources are given as callables of the created objects.
    """
    suffix = f" v{variant + 1}" if variant else ""
    for e in range(EVENT_TYPES):
        yield "EventType", f"et-{e}", dict(name=f"bench.event{e}", description=f"Benchmark event {e}{suffix}",
                                           expunge_on_delete=True)
    for a in range(apps):
        app = f"app-{a}"
        yield "Application", app, dict(name=f"Customer {a}{suffix}", uid=f"customer-{a}",
                                       metadata={"tier": "bench"})
        for n in range(2):
            yield "Endpoint", f"{app}-ep-{n}", dict(
                app_id=("Application", app, "id"),
                uid=f"endpoint-{n}",
                url=f"https://hooks.example.com/customer-{a}/{n}",
                description=f"Endpoint {n} of customer {a}{suffix}",
                event_types=[("EventType", f"et-{n}", "name"), ("EventType", f"et-{n + 2}", "name")],
                channels=["billing"],
                throttle_rate=20,
                headers={"Authorization": ("secret", f"Bearer token-{a}-{n}"), "X-Customer": str(a)})
        yield "Integration", f"{app}-zapier", dict(app_id=("Application", app, "id"), name=f"Zapier{suffix}")


def build(impl: str, apps: int, variant: int = 0) -> None:
    """Declares the stack with ``impl`` = "svix" (pulumi-svix) or "null" (the null provider)."""
    import pulumi

    if impl in ("svix", "native"):  # the dynamic resources, or the same classes served by the plugin
        if impl == "svix":
            import pulumi_svix as svix
        else:
            import pulumi_svix.native as svix

        def make(kind, name, props):
            return getattr(svix, kind)(name, **props)
    elif impl == "null":
        from .null_provider import NullResource

        secret_outputs = {"Endpoint": ["headers", "secret"], "Integration": ["key"]}

        def make(kind, name, props):
            return NullResource(kind, name, props, secret_outputs.get(kind))
    else:
        raise ValueError(f"bench:impl must be svix, native or null, not {impl!r}")

    created: dict[tuple[str, str], object] = {}

    def resolve(value):
        if isinstance(value, tuple) and value[0] == "secret":
            return pulumi.Output.secret(value[1])
        if isinstance(value, tuple):
            kind, name, attribute = value
            return getattr(created[(kind, name)], attribute)
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    for kind, name, props in definitions(apps, variant):
        created[(kind, name)] = make(kind, name, {k: resolve(v) for k, v in props.items()})


def build_event_types(impl: str, count: int) -> None:
    """``count`` independent event types and nothing else: how many calls run at once."""
    definitions_ = [("EventType", f"et-{e}", dict(name=f"bench.probe{e}", description=f"Probe {e}",
                                                   expunge_on_delete=True)) for e in range(count)]
    if impl == "svix":
        import pulumi_svix as svix

        for _kind, name, props in definitions_:
            svix.EventType(name, **props)
    else:
        from .null_provider import NullResource

        for kind, name, props in definitions_:
            NullResource(kind, name, props)


def main() -> None:
    import pulumi

    config = pulumi.Config("bench")
    if config.get_int("eventTypes"):
        return build_event_types(config.require("impl"), config.require_int("eventTypes"))
    build(config.require("impl"), config.require_int("apps"), int(os.environ.get("BENCH_VARIANT", "0")))
