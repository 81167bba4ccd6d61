"""pyanaplan."""
