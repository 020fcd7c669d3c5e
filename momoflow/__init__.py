"""Cross-cutting pieces shared by the worker, the gateway and the starter."""
