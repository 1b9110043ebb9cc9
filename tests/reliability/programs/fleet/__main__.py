"""A fleet of Svix objects, sized by stack config, for the reliability tests.

Per application: the application, two endpoints (headers with a sensitive Authorization value,
event-type filters, channels; the first with a declared signing secret) and one integration.
Plus ``eventTypes`` event types, expunged on destroy so that ``destroy`` leaves nothing.

Config: ``apps`` (default 20), ``eventTypes`` (default 20), ``prefix`` (uid/name prefix),
``appsWithoutUid`` (how many applications have no uid), secrets ``headerToken`` and
``signingSecret``. Every signing secret and integration key is exported (as a secret) so the
tests can sweep for the literal values.
"""

import pulumi
import pulumi_svix as svix

config = pulumi.Config()
apps = config.get_int("apps") or 20
event_type_count = config.get_int("eventTypes") or 20
prefix = config.get("prefix") or "fleet"
apps_without_uid = config.get_int("appsWithoutUid") or 0
header_token = config.require_secret("headerToken")
signing_secret = config.require_secret("signingSecret")

event_types = [
    svix.EventType(f"et-{n}", name=f"{prefix}.event-{n}", description=f"Event {n}",
                   expunge_on_delete=True, group_name=prefix,
                   schemas={"1": {"type": "object", "properties": {"n": {"type": "integer"}}}})
    for n in range(event_type_count)
]

secrets, keys = {}, {}
for i in range(apps):
    app = svix.Application(f"app-{i}", name=f"{prefix} customer {i}",
                           uid=None if i < apps_without_uid else f"{prefix}-app-{i}",
                           metadata={"tier": "gold" if i % 2 else "silver", "n": str(i)})
    for j in range(2):
        endpoint = svix.Endpoint(
            f"app-{i}-ep-{j}", app_id=app.id, uid=f"ep-{j}",
            url=f"https://hooks.example.com/{prefix}/{i}/{j}",
            description=f"endpoint {j} of customer {i}",
            event_types=[event_types[(i + j) % event_type_count].name],
            channels=[f"ch-{j}", "all"],
            headers={"Authorization": pulumi.Output.concat("Bearer ", header_token, f"-{i}-{j}"),
                     "X-Tenant": f"t{i}"},
            secret=signing_secret if j == 0 and i == 0 else None)
        secrets[f"app-{i}-ep-{j}"] = endpoint.secret
    integration = svix.Integration(f"app-{i}-zapier", app_id=app.id, name="Zapier")
    keys[f"app-{i}-zapier"] = integration.key

pulumi.export("signing_secrets", secrets)
pulumi.export("integration_keys", keys)
