"""Deprecated alias of promokit.http.codec (kept for one release)."""

from __future__ import annotations

from promokit._moved import moved

moved(__name__, "promokit.http.codec")
