"""The callback gateway: receives MoMo callbacks and signals the payment's workflow."""
