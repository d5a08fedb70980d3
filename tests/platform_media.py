"""Small real media files for adapter tests: a valid PNG, a JPEG header, and an MP4 header padded to a size."""

from __future__ import annotations

import struct
import zlib


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def write_png(directory, name: str = "picture.png") -> str:
    path = directory / name
    path.write_bytes(png_bytes())
    return str(path)


def write_mp4(directory, size: int, name: str = "clip.mp4") -> str:
    """An MP4 `ftyp` box followed by numbered padding, so every byte range of it is distinct."""
    head = struct.pack(">I", 24) + b"ftypmp42" + struct.pack(">I", 0) + b"mp42isom"
    body = bytes(index % 251 for index in range(max(0, size - len(head))))
    path = directory / name
    path.write_bytes(head + body)
    return str(path)
