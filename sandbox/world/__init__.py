"""The simulated MoMo platform: operations and their lifecycle, ledger, test numbers, callbacks, persistence."""
