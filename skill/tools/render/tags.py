"""ID3 tags and chapter markers (mutagen), the M3U playlist and the podcast RSS feed."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from skill.tools.render.settings import PRODUCT
from skill.tools.render.shapes import ChapterSpan, Episode


def write_id3(path: Path, *, title: str, description: str, track: int, chapters: list[ChapterSpan],
              images: dict[str, bytes] | None = None, cover: bytes | None = None) -> None:
    """Title/artist/album/track, the cover, and one CHAP frame per chapter (with the picture of the
    point it presses, when `images` has one for its step), ordered by a top-level CTOC."""
    from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TIT2, TPE1, TRCK, CTOCFlags, Frame, PictureType

    images = images or {}

    tags = ID3()
    tags.add(TIT2(encoding=3, text=title))
    tags.add(TPE1(encoding=3, text=PRODUCT))
    tags.add(TALB(encoding=3, text=PRODUCT))
    tags.add(TRCK(encoding=3, text=str(track)))
    tags.add(COMM(encoding=3, lang="eng", desc="", text=description))
    if cover:
        tags.add(APIC(encoding=3, mime="image/png", type=PictureType.COVER_FRONT, desc="cover", data=cover))
    ids = []
    for i, ch in enumerate(chapters):
        eid = f"ch{i:02d}"
        ids.append(eid)
        sub_frames: list[Frame] = [TIT2(encoding=3, text=ch["title"])]
        picture = images.get(ch["step_id"])
        if picture:
            sub_frames.append(APIC(encoding=3, mime="image/png", type=PictureType.OTHER, desc=eid, data=picture))
        tags.add(CHAP(element_id=eid, start_time=int(ch["start_ms"]), end_time=int(ch["end_ms"]),
                      start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF, sub_frames=sub_frames))
    if ids:
        tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                      child_element_ids=ids, sub_frames=[TIT2(encoding=3, text=title)]))
    tags.save(str(path), v2_version=4)


def m3u(routines: list[Episode]) -> str:
    """Extended M3U of the downloadable routines, paths relative to the audio directory."""
    out = ["#EXTM3U", f"#PLAYLIST:{PRODUCT}"]
    for r in routines:
        out.append(f"#EXTINF:{round(r['duration_ms'] / 1000)},{PRODUCT} - {r['title']}")
        out.append(r["path"])
    return "\n".join(out) + "\n"


def _duration(ms: int) -> str:
    s = round(ms / 1000)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def feed(routines: list[Episode], base_url: str, description: str, updated: datetime | None = None,
         image: str | None = None) -> str:
    """Podcast RSS 2.0 (iTunes namespace) with one item per routine; enclosures and the artwork
    (`image`, a path under the audio directory) under base_url."""
    artwork = ""
    if image:
        url = base_url + image
        artwork = (f"    <itunes:image href={quoteattr(url)}/>\n"
                   f"    <image><url>{escape(url)}</url><title>{escape(PRODUCT)}</title>"
                   f"<link>{escape(base_url)}</link></image>\n")
    when = format_datetime(updated or datetime(2020, 1, 1, tzinfo=UTC))
    items = []
    for r in routines:
        url = base_url + r["path"]
        items.append(
            "    <item>\n"
            f"      <title>{escape(r['title'])}</title>\n"
            f"      <description>{escape(r['description'])}</description>\n"
            f"      <enclosure url={quoteattr(url)} length=\"{r['size_bytes']}\" type=\"audio/mpeg\"/>\n"
            f"      <guid isPermaLink=\"false\">{escape(r['key'])}:{r['hash']}</guid>\n"
            f"      <pubDate>{when}</pubDate>\n"
            f"      <itunes:duration>{_duration(r['duration_ms'])}</itunes:duration>\n"
            f"      <itunes:episode>{r['track']}</itunes:episode>\n"
            "    </item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">\n'
        "  <channel>\n"
        f"    <title>{escape(PRODUCT)}</title>\n"
        f"    <link>{escape(base_url)}</link>\n"
        f"    <description>{escape(description)}</description>\n"
        "    <language>en-us</language>\n"
        f"    <itunes:author>{escape(PRODUCT)}</itunes:author>\n"
        + artwork
        + "\n".join(items) + "\n"
        "  </channel>\n"
        "</rss>\n"
    )
