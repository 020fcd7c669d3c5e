"""Temporal activities: thin wrappers that call MoMo and classify what went wrong."""
