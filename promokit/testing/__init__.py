"""Test helpers for promokit users and plugin authors (conformance suite, fixtures)."""

from __future__ import annotations
