"""Flows: the engine and the procedures (definitions + models of guards and actions)."""
