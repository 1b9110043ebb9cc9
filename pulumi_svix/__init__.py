"""pulumi-svix: Svix webhook configuration (applications, endpoints, event types, integrations)
as Pulumi resources.

```python
import pulumi_svix as svix

app = svix.Application("acme", name="Acme Corp", uid="acme")
```

Configure with ``pulumi config set --secret svix:token <token>`` (and optionally
``svix:serverUrl``); see the README.
"""

from ._version import __version__
from .declarative import SvixConfig, SvixConfigError, load_config
from .resources import (Application, ApplicationArgs, Endpoint, EndpointArgs, EventType, EventTypeArgs,
                        Integration, IntegrationArgs)

__all__ = ["__version__", "Application", "ApplicationArgs", "Endpoint", "EndpointArgs", "EventType",
           "EventTypeArgs", "Integration", "IntegrationArgs", "SvixConfig", "SvixConfigError", "load_config"]
