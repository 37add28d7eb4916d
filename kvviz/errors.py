"""The one exception type users see: its message is meant for a person, not a log."""


class KvvizError(ValueError):
    """Bad input or an environment problem, explained in plain words.

    The API raises it, the CLI prints it without a traceback, and the app shows it
    as a message while keeping the page usable.
    """
