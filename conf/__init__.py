"""Hydra configs, installed as the package harness.conf so they ship with the wheel."""
