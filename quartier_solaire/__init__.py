"""Quartier Solaire: shared pieces of the planner (errors, messages, command line)."""

from quartier_solaire.errors import NotRecognised, Problem, ReadError

__all__ = ["NotRecognised", "Problem", "ReadError"]
