"""Encode a registry's families for one scrape: content negotiation, text or OpenMetrics, gzip.

Families that carry pre-rendered blocks (`collector.BLOCKS_ATTRIBUTE`) are written from those
blocks; every other family (the per-scrape health families, the process collector, anything a
user registers) is rendered by prometheus_client itself. Content negotiation is
prometheus_client's own `choose_encoder`, so both paths always agree on the format.

gzip: Prometheus always asks for it, and compressing ~15 MB per scrape at 1000 VMs would cost
more than everything else. Each block is deflated once (raw deflate ending in a sync flush, so it
is byte-aligned and not final) and memoised on the block; a scrape then only concatenates those
pieces, deflates the small fresh parts, and frames the result as one gzip member with its CRC-32.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from collections.abc import Iterable, Mapping, Sequence

from prometheus_client import exposition
from prometheus_client.metrics_core import Metric
from prometheus_client.openmetrics import exposition as om_exposition

from vmwatch_prometheus.collector import BLOCKS_ATTRIBUTE, Block

OPENMETRICS = "application/openmetrics-text"
# Escaping schemes that leave valid legacy names (all of ours) unchanged; with any other scheme
# (dots) the whole scrape goes through prometheus_client.
_NAME_PRESERVING = {om_exposition.UNDERSCORES, om_exposition.ALLOWUTF8, om_exposition.VALUES}

# Each snapshot is compressed once but typically scraped only once or twice before the next one
# replaces it: level 1 costs a third of level 6's CPU for about 20% more bytes.
GZIP_LEVEL = 1
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # no name, mtime 0, OS unknown
_FINAL_BLOCK = b"\x03\x00"  # an empty final fixed-Huffman block ends the deflate stream


class _One:
    """A registry-like object holding a single family, for prometheus_client's encoders."""

    def __init__(self, family: Metric) -> None:
        self._family = family

    def collect(self) -> Iterable[Metric]:
        return (self._family,)


def header(family: Metric, openmetrics: bool) -> bytes:
    """HELP/TYPE(/UNIT) lines of a family, exactly as prometheus_client writes them."""
    name, kind, doc = family.name, family.type, family.documentation
    if openmetrics:
        doc = doc.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")
        unit = f"# UNIT {name} {family.unit}\n" if family.unit else ""
        return f"# HELP {name} {doc}\n# TYPE {name} {kind}\n{unit}".encode()
    if kind == "counter":
        name += "_total"
    elif kind == "info":
        name, kind = name + "_info", "gauge"
    doc = doc.replace("\\", r"\\").replace("\n", r"\n")
    return f"# HELP {name} {doc}\n# TYPE {name} {kind}\n".encode()


def pieces(families: Iterable[Metric], encoder, openmetrics: bool) -> list[bytes | Block]:
    """The body as a list of fresh bytes and cached blocks, in order."""
    out: list[bytes | Block] = []
    for family in families:
        blocks: Sequence[Block] | None = getattr(family, BLOCKS_ATTRIBUTE, None)
        if blocks is None:
            text = encoder(_One(family))
            if openmetrics and text.endswith(b"# EOF\n"):
                text = text[: -len(b"# EOF\n")]
            out.append(text)
        else:
            out.append(header(family, openmetrics))
            out.extend(blocks)
    if openmetrics:
        out.append(b"# EOF\n")
    return out


def deflate(data: bytes, level: int = GZIP_LEVEL) -> bytes:
    """Raw deflate of `data`, byte-aligned and not final, so that such pieces concatenate."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


def block_deflated(block: Block) -> bytes:
    """The block's deflated data, computed once per block."""
    packed = block.memo.get("deflate")
    if packed is None:
        packed = block.memo["deflate"] = deflate(block.data)
    return packed


def join(parts: Sequence[bytes | Block]) -> bytes:
    return b"".join(p.data if isinstance(p, Block) else p for p in parts)


def gzip_join(parts: Sequence[bytes | Block]) -> bytes:
    """One gzip member made from cached deflated blocks and freshly deflated bytes."""
    out = [_GZIP_HEADER]
    crc = 0
    size = 0
    fresh: list[bytes] = []

    def flush_fresh() -> None:
        if fresh:
            data = b"".join(fresh)
            out.append(deflate(data))
            fresh.clear()

    for part in parts:
        if isinstance(part, Block):
            flush_fresh()
            data = part.data
            out.append(block_deflated(part))
        else:
            data = part
            fresh.append(part)
        crc = zlib.crc32(data, crc)
        size += len(data)
    flush_fresh()
    out.append(_FINAL_BLOCK)
    out.append(struct.pack("<II", crc, size & 0xFFFFFFFF))
    return b"".join(out)


def warm(blocks: Iterable[Block]) -> None:
    """Deflate blocks ahead of the first scrape (called when a snapshot is published)."""
    for block in blocks:
        block_deflated(block)


def encode(
    registry,
    accept: str | None,
    accept_encoding: str | None,
    params: Mapping[str, Sequence[str]] | None = None,
) -> tuple[bytes, list[tuple[str, str]]]:
    """Body and headers for one scrape of `registry` (calls its `collect()` once)."""
    params = params or {}
    encoder, content_type = exposition.choose_encoder(accept or "")
    openmetrics = content_type.startswith(OPENMETRICS)
    escaping = getattr(encoder, "keywords", {}).get("escaping", om_exposition.UNDERSCORES)
    wants_gzip = exposition.gzip_accepted(accept_encoding or "")
    headers = [("Content-Type", content_type)]
    if wants_gzip:
        headers.append(("Content-Encoding", "gzip"))
    if "name[]" in params or escaping not in _NAME_PRESERVING:
        # Rare requests: let prometheus_client do everything (it filters by name[] itself).
        target = registry.restricted_registry(params["name[]"]) if "name[]" in params else registry
        body = encoder(target)
        return (gzip.compress(body, GZIP_LEVEL) if wants_gzip else body), headers
    parts = pieces(registry.collect(), encoder, openmetrics)
    return (gzip_join(parts) if wants_gzip else join(parts)), headers
