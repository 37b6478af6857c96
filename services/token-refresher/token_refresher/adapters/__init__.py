"""Clients of what lies outside the refresher: the platforms and connection-store."""
