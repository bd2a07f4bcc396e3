"""Tables in post bodies scroll inside their own box on narrow screens.

The `scrollable_tables` filter wraps each <table> in a focusable region
(`role="region" tabindex="0"`) named by the table's caption, so keyboard
users can scroll a wide table too (axe: scrollable-region-focusable).
"""

from __future__ import annotations

import re

from markupsafe import Markup

TABLE = re.compile(r"<table\b.*?</table>", re.S)
CAPTION = re.compile(r"<caption\b([^>]*)>", re.S)
ID = re.compile(r'\sid="([^"]+)"')


def scrollable_tables(body: str) -> Markup:
    count = 0

    def wrap(match: re.Match) -> str:
        nonlocal count
        count += 1
        table = match.group(0)
        caption = CAPTION.search(table)
        if caption is None:
            label = f'aria-label="Table {count}"'
        else:
            found = ID.search(caption.group(1))
            caption_id = found.group(1) if found else f"table-{count}-caption"
            if not found:
                table = table[: caption.start()] + f'<caption id="{caption_id}"{caption.group(1)}>' + table[caption.end():]
            label = f'aria-labelledby="{caption_id}"'
        return f'<div class="table-scroll" role="region" tabindex="0" {label}>{table}</div>'

    return Markup(TABLE.sub(wrap, str(body)))
