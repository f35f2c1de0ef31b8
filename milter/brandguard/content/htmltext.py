"""HTML → the text a reader sees (hidden text kept apart), links with their text, inline data: images."""
from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape

from selectolax.lexbor import LexborDocumentOptions, LexborHTMLParser, LexborNode, SelectolaxError

_VOID = frozenset("area base br col embed hr img input link meta param source track wbr keygen".split())
# Content of these elements is never rendered by a mail client (HTML5 reads noframes and noembed as raw text,
# which browsers do not display).
_DROPPED = frozenset("script style head title template object iframe xml svg noframes noembed".split())
_BLOCK = frozenset(
    "p div br tr li ul ol h1 h2 h3 h4 h5 h6 table tbody thead tfoot section article header footer "
    "blockquote pre hr center dl dt dd form fieldset address nav main aside".split()
)
_SPACING = {tag: "\n" for tag in _BLOCK} | {"td": " ", "th": " "}
_LINKING = frozenset({"a", "form", "area", "img"})
_WHITE = {"#fff", "#ffffff", "white", "rgb(255,255,255)", "#fefefe", "#fdfdfd", "rgba(255,255,255,1)"}
_ZERO = re.compile(r"^(0|0?\.0+|[01](\.0+)?px|0(\.0+)?(pt|em|rem|%))$")
_MAX_DATA_IMAGE = 4_000_000
# Markup handed to lexbor: up to its MAX_TAGS-th "<". An HTML5 tree builder scans its open elements (scope) and
# its active formatting elements (Noah's Ark) on many start tags, so nesting costs O(depth) per tag: 8,000 nested
# <div>s parse in 0.07 s, 8,000 nested distinct <b class=N>s in 0.3 s (50,000 <div>s: 4.5 s). Real mail has a few
# thousand tags. Past the limit the markup is stripped by a regex into visible text (no hidden-text analysis),
# so padding the top of a lure with tags does not hide its text.
MAX_TAGS = 8_000
# Nodes walked at most (~1 us each), against formatting elements a tree builder re-creates: past the limit the
# rest of the tree's text is read, as visible, in one lexbor call.
MAX_NODES = 30_000
_TAG = re.compile(r"<[^<>]{0,4000}>")
# Mutation events only mirror a chosen <option> into <selectedcontent>, and make a long <select> quadratic.
_OPTIONS = int(LexborDocumentOptions.WO_EVENTS)

# What an element hands down to its content: hidden, dropped, text colour, background colour, tiny font.
_State = tuple[bool, bool, str | None, str | None, bool]
# An open element of the walk: its remaining children, tag, the state it hands down, its own text invisible.
_Frame = tuple[Iterator[LexborNode], str, _State, bool]
_TOP: _State = (False, False, None, None, False)


@dataclass
class HtmlText:
    """Result of rendering one HTML document to text."""

    visible: str = ""
    hidden: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, anchor text)
    images: list[bytes] = field(default_factory=list)  # decoded data: URI images, for OCR
    truncated: bool = False  # past MAX_TAGS tags or MAX_NODES nodes: the rest was read as plain visible text


def _style(decl: str) -> dict[str, str]:
    """Declarations of a style attribute."""
    out = {}
    for item in decl.split(";"):
        if ":" in item:
            key, _, value = item.partition(":")
            out[key.strip().lower()] = value.strip().lower().replace(" ", "").replace("!important", "")
    return out


@lru_cache(maxsize=512)
def _css(decl: str) -> tuple[bool, str | None, str | None, bool | None]:
    """What a style attribute does to text: hides it, its colour, background colour, tiny font (None: not set).
    Cached, as a newsletter repeats a few styles on every tag."""
    st = _style(decl)
    hides = st.get("display") == "none" or st.get("visibility") in ("hidden", "collapse")
    hides = hides or bool(_ZERO.match(st.get("opacity", "x") or "x")) or st.get("mso-hide") == "all"
    clipped = st.get("overflow") == "hidden"
    hides = hides or clipped and bool(_ZERO.match(st.get("max-height", "x")) or _ZERO.match(st.get("height", "x")))
    tiny = bool(_ZERO.match(st["font-size"])) if "font-size" in st else None
    return hides, st.get("color") or None, st.get("background-color") or st.get("background") or None, tiny


def _colour(value: str | None) -> str | None:
    return value.strip().lower().replace(" ", "") if value else None


class _Walker:
    """Depth-first walk of lexbor's tree with an explicit stack (deep nesting cannot reach the recursion limit);
    an element's state derives from its parent's, as CSS inheritance does in a mail client."""

    def __init__(self) -> None:
        self.visible: list[str] = []
        self.hidden: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.images: list[bytes] = []
        self._anchor: list[str] | None = None  # visible text of the open <a href>
        self._href = ""
        self.read = 0  # characters of the text nodes walked, each plus one for the separator of text()

    def walk(self, root: LexborNode) -> bool:
        """Render `root` and its content; False when MAX_NODES nodes were walked before the end."""
        budget = MAX_NODES
        stack: list[_Frame] = [(iter((root,)), "", _TOP, False)]
        visible, hidden = self.visible.append, self.hidden.append
        while stack:
            children, _, state, inv = stack[-1]
            dropped = state[1]
            for node in children:
                budget -= 1
                if budget < 0:
                    return False
                tag = node.tag
                if tag == "-text":  # the hot path: inlined _emit
                    text = node.text_content or ""
                    self.read += len(text) + 1
                    if dropped:
                        pass
                    elif inv:
                        hidden(text)
                    else:
                        visible(text)
                        if self._anchor is not None:
                            self._anchor.append(text)
                elif tag and tag[0] != "-":  # comments and the doctype are "-comment", "-doctype"
                    frame = self._start(node, tag, state)
                    if tag not in _VOID:
                        stack.append(frame)
                        break
            else:
                _, tag, state, inv = stack.pop()
                if tag == "a":
                    self.close_anchor()
                elif tag in _BLOCK and not state[1]:
                    self._emit("\n", inv)
        return True

    def _start(self, node: LexborNode, tag: str, state: _State) -> _Frame:
        hidden, dropped, fg, bg, tiny = state
        a = node.attributes
        if a:
            hides, css_fg, css_bg, css_tiny = _css(a.get("style") or "")
            fg = css_fg or _colour(a.get("color")) or fg
            bg = css_bg or _colour(a.get("bgcolor")) or bg
            # font-size is inherited but a child may set it back to a readable size
            if css_tiny is not None:
                tiny = css_tiny
            elif tag == "font" and a.get("size"):
                tiny = (a.get("size") or "").strip() == "0"
            hidden = hidden or hides or "hidden" in a or (a.get("type") or "").lower() == "hidden"
        dropped = dropped or tag in _DROPPED
        # white (or same-colour) text on an unset (white) or equal background
        same = bool(fg) and (fg == bg or (fg in _WHITE and (bg is None or bg in _WHITE)))
        inv = hidden or tiny or same
        spacing = _SPACING.get(tag)
        if spacing and not dropped:
            self._emit(spacing, inv)
        if tag in _LINKING:
            self._link(tag, a, inv or dropped)
        return node.iter(include_text=True), tag, (hidden, dropped, fg, bg, tiny), inv

    def _emit(self, text: str, hidden: bool) -> None:
        if hidden:
            self.hidden.append(text)
            return
        self.visible.append(text)
        if self._anchor is not None:
            self._anchor.append(text)

    def close_anchor(self) -> None:
        if self._anchor is not None:
            self.links.append((self._href, " ".join("".join(self._anchor).split())))
            self._anchor = None

    def _link(self, tag: str, a: dict[str, str | None], invisible: bool) -> None:
        if tag == "a" and a.get("href"):
            self.close_anchor()
            self._href, self._anchor = (a.get("href") or "").strip(), []
        elif tag == "form" and a.get("action"):
            self.links.append(((a.get("action") or "").strip(), "form"))
        elif tag == "area" and a.get("href"):
            self.links.append(((a.get("href") or "").strip(), a.get("alt") or ""))
        elif tag == "img":
            alt = (a.get("alt") or "").strip()
            if alt and not invisible:
                self._emit(f" {alt} ", False)
            src = a.get("src") or ""
            if src[:5].lower() == "data:" and ";base64," in src[:100] and len(src) < _MAX_DATA_IMAGE * 4 // 3:
                try:
                    self.images.append(base64.b64decode(src.split(",", 1)[1], validate=False))
                except (binascii.Error, ValueError):
                    pass


def _cut(html: str) -> int:
    """Where the markup handed to lexbor ends: before its (MAX_TAGS + 1)-th "<", if it has one."""
    if html.count("<") <= MAX_TAGS:
        return len(html)
    pos = -1
    for _ in range(MAX_TAGS + 1):
        pos = html.find("<", pos + 1)
    return pos


def render(html: str) -> HtmlText:
    """Render HTML to visible text as an HTML5 parser (a mail client) builds it; never raises on bad markup."""
    w = _Walker()
    end = _cut(html)
    try:
        root = LexborHTMLParser(html[:end], options=_OPTIONS).root
    except (SelectolaxError, RuntimeError, MemoryError):  # lexbor could not build a document at all
        root, end = None, 0
    truncated = root is not None and not w.walk(root)
    w.close_anchor()
    if truncated and root is not None:
        # text() joins every text node under root in document order: past what the walk read is the rest
        w.visible.append(" " + root.text(separator=" ")[w.read:])
    if end < len(html):
        w.visible.append(" " + unescape(_TAG.sub(" ", html[end:])))
    return HtmlText("".join(w.visible), "".join(w.hidden), w.links, w.images, truncated or end < len(html))
