"""The four Svix resources. Each module holds the resource class, its Args and its provider."""

from .application import Application, ApplicationArgs
from .endpoint import Endpoint, EndpointArgs
from .event_type import EventType, EventTypeArgs
from .integration import Integration, IntegrationArgs

__all__ = ["Application", "ApplicationArgs", "Endpoint", "EndpointArgs", "EventType", "EventTypeArgs",
           "Integration", "IntegrationArgs"]
