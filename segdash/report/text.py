"""Showing user text (file, column and segment names, values) literally on a page.

Streamlit renders captions, titles and ``st.markdown`` as Markdown, with LaTeX between ``$``
signs, emoji/icon short codes between colons, and HTML tags dropped. :func:`escape_markdown`
is the one escaper every page uses for text it did not write itself.
"""

from __future__ import annotations

import re

#: Characters with a meaning anywhere in Markdown, HTML, LaTeX (``$``) or short codes (``:``).
MARKDOWN_SPECIALS = r"\`*_{}[]<>#|~$&:"
_SPECIALS = re.compile("([" + re.escape(MARKDOWN_SPECIALS) + "])")
#: Marks that only mean something at the start of a line: a list bullet, a heading underline,
#: a numbered list ("1." / "1)").
_LINE_START = re.compile(r"^(\s*)([-+=])", re.MULTILINE)
_NUMBERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)


def escape_markdown(text: object) -> str:
    """Backslash-escape Markdown, HTML, LaTeX and short-code characters so ``text`` shows literally.

    Parameters
    ----------
    text
        User text (a file, column or segment name, a category value); anything else is shown as
        ``str(text)``.

    Returns
    -------
    str
        The text with every character of :data:`MARKDOWN_SPECIALS` preceded by a backslash, and
        a ``-``, ``+`` or ``=`` (or the dot of ``1.``) that starts a line escaped too, so the text
        can follow a list bullet (``f"- {escape_markdown(name)}"``) and stay one item.
    """
    escaped = _SPECIALS.sub(r"\\\1", str(text))
    escaped = _LINE_START.sub(r"\1\\\2", escaped)
    return _NUMBERED.sub(r"\1\\\2", escaped)
