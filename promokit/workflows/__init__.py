"""Workflows over many promotions: diff, apply, converge, migrate, fan out, export, files."""
