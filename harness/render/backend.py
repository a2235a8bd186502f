"""Imported for its effect, by the server of the figures' side processes (``drawing.preload``): pyplot loaded
and configured there once, so that no worker forked from it pays for that."""
from harness.render.figures import pyplot

pyplot()
