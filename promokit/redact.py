"""Deprecated alias of promokit.http.redact (kept for one release)."""

from __future__ import annotations

from promokit._moved import moved

moved(__name__, "promokit.http.redact")
