"""Workflows over many promotions: diff, apply, converge, migrate, fanout, bulk, export, files."""
