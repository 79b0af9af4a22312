"""Core test fixtures: a memory-backed client and a loopback emulator."""

from __future__ import annotations
