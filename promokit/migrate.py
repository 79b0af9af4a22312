"""Deprecated alias of promokit.workflows.migrate (kept for one release)."""

from __future__ import annotations

from promokit._moved import moved

moved(__name__, "promokit.workflows.migrate")
