"""Clients of the other services the gateway talks to over internal HTTP."""
