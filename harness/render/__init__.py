"""Rendering: figures (PNG), markdown and HTML from the tidy tables; computes nothing of its own.

matplotlib is imported on a figure's first use (``harness.render.figures.pyplot``).
"""
