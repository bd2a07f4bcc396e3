"""The one exception type an author can cause, and how it is reported."""


class ContentError(Exception):
    """A problem in content or configuration that the author must fix.

    Its message names the file, the field and the fix; the build collects all
    of them and exits non-zero without touching the published output.
    """


def source_name(content) -> str:
    """A content file named from the project folder, e.g. "content/posts/x.md"."""
    import os

    return os.path.relpath(content.source_path, os.path.dirname(content.settings["PATH"]))
