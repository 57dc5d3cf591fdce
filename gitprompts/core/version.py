"""The version of gitprompts (one place: pyproject reads it, manifests record it)."""

__version__ = "0.1.0"
