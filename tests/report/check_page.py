#!/opt/tessera/venv/bin/python
"""Checks a rendered report page as a browser and an XML tool would see it, independently of
the C++ that wrote it. Usage: check_page.py PAGE.html [FORBIDDEN_RAW_TEXT ...]

- HTML: parsed by html.parser; every element but the void ones is closed, in order.
- SVG: each <svg>...</svg> parses as XML (xml.etree) with the SVG namespace.
- Self-contained: no <script>, <link>, <iframe>, event-handler attributes, and every src/href
  is a data: URI or an in-page anchor.
- No FORBIDDEN_RAW_TEXT (e.g. an unescaped hostile class name) appears in the raw file.
Prints a JSON summary (svg count, text) on success; exits 1 with the first problem otherwise."""
import json, re, sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SVG_NS = "{http://www.w3.org/2000/svg}"


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems, self.text, self.svgs, self.titles = [], [], [], 0, []
        self.img_sources = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "link", "iframe", "object", "embed", "base"):
            self.problems.append(f"<{tag}> is not allowed")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler attribute {name}")
            if name in ("src", "href") and not (value or "").startswith(("data:", "#")):
                self.problems.append(f"external {name}={value!r}")
            if tag == "img" and name == "src":
                self.img_sources.append(value)
        if tag == "svg":
            self.svgs += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):  # <x/>: SVG elements
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def main():
    path, forbidden = sys.argv[1], sys.argv[2:]
    raw = open(path, encoding="utf-8").read()
    checker = Checker()
    checker.feed(raw)
    checker.close()
    problems = list(checker.problems)
    if checker.stack:
        problems.append(f"unclosed elements: {checker.stack}")
    svgs = re.findall(r"<svg\b.*?</svg>", raw, flags=re.S)
    if len(svgs) != checker.svgs:
        problems.append(f"{checker.svgs} <svg> opened, {len(svgs)} closed")
    for i, svg in enumerate(svgs):
        try:
            root = ET.fromstring(svg)
            if root.tag != SVG_NS + "svg":
                problems.append(f"svg #{i}: root is {root.tag}")
        except ET.ParseError as e:
            problems.append(f"svg #{i} is not well-formed XML: {e}")
    for bad in forbidden:
        if bad in raw:
            problems.append(f"raw text {bad!r} appears unescaped")
    if problems:
        print("\n".join(problems[:20]))
        sys.exit(1)
    print(json.dumps({"svgs": len(svgs), "images": len(checker.img_sources), "text": " ".join(checker.text)}))


main()
