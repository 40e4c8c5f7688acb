"""The Content-Security-Policy forbids inline code: a template with an onclick, a style
attribute or an inline <script> would be silently blocked in the browser (a "Cancel the
order?" confirm that never asks, as once happened). Behaviour goes in static/shop/app.js
(data-confirm), looks in app.css."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
INLINE = re.compile(r"""\son[a-z]+\s*=|\sstyle\s*=|<style|<script(?![^>]*\ssrc=)""", re.I)


def test_no_template_has_inline_scripts_handlers_or_styles():
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()[:80]}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if INLINE.search(line)
    ]
    assert found == []
