"""plan-limits: plans, sockets, reservations."""
SERVICE = "plan-limits"
