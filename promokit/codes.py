"""Deprecated alias of promokit.plugins.codes (kept for one release)."""

from __future__ import annotations

from promokit._moved import moved

moved(__name__, "promokit.plugins.codes")
