"""The Svix provider plugin (``pulumi-resource-svix``): the same four resources as the dynamic ones,
served over Pulumi's provider protocol, for ``pulumi import``, explicit providers (several Svix
environments in one program) and programs in any language. See the README, "Which face?".

Importing this package starts nothing: the engine runs the console script, ``server.main``.
"""
