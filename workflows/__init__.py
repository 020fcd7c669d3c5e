"""Deterministic workflow code: one module per MoMo use case."""
