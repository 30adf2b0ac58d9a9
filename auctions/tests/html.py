"""Reading a rendered page the way a user sees it: the text inside the element
with a given data-testid (tags dropped, whitespace collapsed)."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class _Collector(HTMLParser):
    def __init__(self, testid: str) -> None:
        super().__init__(convert_charrefs=True)
        self.testid = testid
        self.found: list[list[str]] = []
        self._open: list[tuple[int, int]] = []  # (nesting depth, index in found)
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        self._depth += 1
        if dict(attrs).get("data-testid") == self.testid:
            self._open.append((self._depth, len(self.found)))
            self.found.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if self._open and self._open[-1][0] == self._depth:
            self._open.pop()
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        for _depth, index in self._open:
            self.found[index].append(data)


def texts(html: str | bytes, testid: str) -> list[str]:
    """The text of every element marked data-testid=`testid`, in page order."""
    if isinstance(html, bytes):
        html = html.decode()
    collector = _Collector(testid)
    collector.feed(html)
    return [" ".join("".join(parts).split()) for parts in collector.found]


def text(html: str | bytes, testid: str) -> str:
    """The text of the one element marked `testid` ("" if there is none)."""
    found = texts(html, testid)
    assert len(found) <= 1, f"{len(found)} elements marked {testid!r}"
    return found[0] if found else ""
