"""The webhook configuration of a small SaaS, declared with Pulumi and pulumi-svix.

What it sets up on Svix:
  * four event types (invoices and users), each with a JSON schema of its payload;
  * one application per customer, from the stack config list `customers`;
  * per customer: a billing endpoint and a users endpoint, each receiving only its event types,
    on its own channel, with a secret Authorization header; and one Zapier integration.

Stack config (all optional):
  customers          list of customer slugs           pulumi config set --path 'customers[0]' acme
  webhookAuthToken   token sent in the Authorization  pulumi config set --secret webhookAuthToken s3cr3t
                     header of every webhook
  webhookBaseUrl     where customers receive webhooks pulumi config set webhookBaseUrl https://hooks.example.com
  selfHosted         true for a self-hosted svix-server: pulumi config set selfHosted true
                     no event type groups and no integrations, which that server cannot hold
  svix:token         your Svix API token (or the SVIX_AUTH_TOKEN environment variable)
"""

import pulumi
import pulumi_svix as svix

config = pulumi.Config()
customers: list[str] = config.get_object("customers") or ["acme", "globex", "initech"]
base_url = config.get("webhookBaseUrl") or "https://hooks.example.com"
self_hosted = config.get_bool("selfHosted") or False


def group(name: str):
    """Event type groups exist on Svix Cloud only."""
    return None if self_hosted else name

# A secret from the start: the default, too, is never shown in plain text in state or output.
auth_token = config.get_secret("webhookAuthToken") or pulumi.Output.secret("change-me-webhook-token")
authorization = pulumi.Output.concat("Bearer ", auth_token)


# --- Event types: what the service sends ------------------------------------------------------

def payload_schema(title: str, properties: dict, required: list[str]) -> dict:
    """Version 1 of an event type's JSON schema (Svix keys schemas by version)."""
    return {"1": {
        "title": title,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }}


invoice_fields = {
    "invoiceId": {"type": "string", "description": "The invoice id, e.g. inv_123"},
    "customerId": {"type": "string"},
    "amountCents": {"type": "integer", "minimum": 0},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
}

invoice_paid = svix.EventType("invoice.paid",
    name="invoice.paid",
    description="An invoice was paid in full.",
    group_name=group("billing"),
    schemas=payload_schema("Invoice paid",
        {**invoice_fields, "paidAt": {"type": "string", "format": "date-time"}},
        ["invoiceId", "customerId", "amountCents", "currency", "paidAt"]))

invoice_failed = svix.EventType("invoice.failed",
    name="invoice.failed",
    description="Charging an invoice failed; the customer should update their payment method.",
    group_name=group("billing"),
    schemas=payload_schema("Invoice payment failed",
        {**invoice_fields, "failureReason": {"type": "string"}},
        ["invoiceId", "customerId", "amountCents", "currency", "failureReason"]))

user_created = svix.EventType("user.created",
    name="user.created",
    description="A user was added to the customer's account.",
    group_name=group("users"),
    schemas=payload_schema("User created",
        {"userId": {"type": "string"}, "email": {"type": "string", "format": "email"},
         "createdAt": {"type": "string", "format": "date-time"}},
        ["userId", "email", "createdAt"]))

user_deleted = svix.EventType("user.deleted",
    name="user.deleted",
    description="A user was removed from the customer's account.",
    group_name=group("users"),
    schemas=payload_schema("User deleted",
        {"userId": {"type": "string"}, "deletedAt": {"type": "string", "format": "date-time"}},
        ["userId", "deletedAt"]))


# --- Per customer: an application, two endpoints, one integration -----------------------------

endpoint_ids = {}
signing_secrets = {}

for slug in customers:
    app = svix.Application(slug,
        name=slug.replace("-", " ").title(),
        uid=slug,  # lets your service send messages to the app by customer slug
        metadata={"customer": slug})

    # Filtering on `et.name` (not a plain string) makes each endpoint wait for its event types:
    # Svix refuses an endpoint that filters on an event type it does not know yet.
    billing = svix.Endpoint(f"{slug}-billing",
        app_id=app.id,
        uid="billing",
        url=f"{base_url}/{slug}/billing",
        description=f"{slug}: invoice events",
        event_types=[invoice_paid.name, invoice_failed.name],
        channels=["billing"],
        headers={"Authorization": authorization})

    users = svix.Endpoint(f"{slug}-users",
        app_id=app.id,
        uid="users",
        url=f"{base_url}/{slug}/users",
        description=f"{slug}: user lifecycle events",
        event_types=[user_created.name, user_deleted.name],
        channels=["users"],
        throttle_rate=20,  # messages per second: the customer's user service is small
        headers={"Authorization": authorization})

    if not self_hosted:  # the self-hosted svix-server has no Integration API
        svix.Integration(f"{slug}-zapier", app_id=app.id, name="Zapier")

    endpoint_ids[slug] = {"billing": billing.id, "users": users.id}
    signing_secrets[slug] = {"billing": billing.secret, "users": users.secret}


pulumi.export("endpoint_ids", endpoint_ids)
# Customers verify webhook signatures with these. Read them with `pulumi stack output --show-secrets`.
pulumi.export("signing_secrets", pulumi.Output.secret(signing_secrets))
