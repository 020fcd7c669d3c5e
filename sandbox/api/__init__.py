"""MTN's Open API as the sandbox serves it: routes per product, credentials, checks, error bodies."""
