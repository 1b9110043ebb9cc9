"""An endpoint whose event types and channels are declared out of order: ``pulumi up --refresh
--run-program`` (what ``make demo`` runs) showed ``[diff: ~channels,event_types]`` on its refresh step
every time, though nothing had changed: the engine compared the program's order with the recorded,
sorted one. Sets are now sorted in the program before they are registered."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.engine


def test_refresh_with_the_program_shows_no_diff_for_a_set_declared_out_of_order(stack_factory, svix_config,
                                                                                emulator):
    import pulumi_svix as svix

    def program() -> None:
        paid = svix.EventType("paid", name="invoice.paid", expunge_on_delete=True)
        failed = svix.EventType("failed", name="invoice.failed", expunge_on_delete=True)
        app = svix.Application("app", name="A", uid="acme")
        svix.Endpoint("ep", app_id=app.id, url="https://hooks.example.com/x",
                      event_types=[paid.name, failed.name], channels=["z", "a", "z"])

    stack = stack_factory(program, config=svix_config)
    stack.up()
    output: list[str] = []
    result = stack.up(on_output=output.append, refresh=True, run_program=True)
    text = "".join(output)
    assert "[diff:" not in text, text
    assert result.summary.resource_changes == {"same": 5}, result.summary.resource_changes
    [endpoint] = [r for r in stack.export_stack().deployment["resources"] if r["type"].endswith("Endpoint")]
    assert endpoint["outputs"]["event_types"] == ["invoice.failed", "invoice.paid"]
    assert endpoint["outputs"]["channels"] == ["a", "z"]
