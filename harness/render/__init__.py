"""Rendering: figures (PNG), markdown and HTML from the tidy tables; computes nothing of its own."""
