"""pyanaplan: a resilient Anaplan Integration API client, CLI and local emulator."""

__version__ = "0.1.0"

__all__ = ["__version__"]
