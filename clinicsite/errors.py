"""The one exception type an author can cause, and how it is reported."""


class ContentError(Exception):
    """A problem in content or configuration that the author must fix.

    Its message names the file, the field and the fix; the build collects all
    of them and exits non-zero without touching the published output.
    """
