"""Rendering: figures (PNG), markdown and HTML from the tidy tables; computes nothing of its own.

Every label is drawn as plain text: feature names and levels come from users' tables, and a name such as
``$\\foo$ lr`` would otherwise be parsed (and refused) as matplotlib mathtext.
"""
import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["text.parse_math"] = False
