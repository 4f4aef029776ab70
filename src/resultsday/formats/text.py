"""Small helpers for wording messages about files."""

from __future__ import annotations

__all__ = ["lower_first", "size_text"]


def lower_first(message: str | None) -> str:
    """A message to follow a colon: its first letter in lower case ("" for none)."""
    return message[:1].lower() + message[1:] if message else ""


def size_text(size: int) -> str:
    """A size for people: "10 MB", "512 KB", "20 bytes" (1 MB = 1024 × 1024 bytes)."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"
