"""token-refresher: refresh schedule, leases, provider back-off state; emits TokenRefreshed."""
SERVICE = "token-refresher"
