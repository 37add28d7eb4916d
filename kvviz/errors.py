"""The one exception type users see: its message is meant for a person, not a log."""


class KvvizError(ValueError):
    """Bad input or an environment problem, explained in plain words.

    The API raises it, the CLI prints it without a traceback, and the app shows it
    as a message while keeping the page usable. Raised with a text key
    (`KvvizError(key="errors.prompt_empty")`), its message is written when it is read, in the
    reader's language (kvviz.text); raised with a message, that message is used as it is.
    """

    def __init__(self, message: str = "", *, key: str | None = None, **fields):
        super().__init__(message or key or "")
        # Own names: subclasses (the planner's ConfigError) keep `key` and `fields` of their own.
        self.text_key = key
        self.text_fields = fields

    def __str__(self) -> str:
        if self.text_key is None:
            return super().__str__()
        from kvviz.text import t  # lazy: the text layer is above this module

        return t(self.text_key, **self.text_fields)


class Phrase:
    """Words by text key, written when formatted: a field of a keyed KvvizError that is itself words
    (a noun such as "token id", the kind of file), so it follows the reader's language like the message."""

    __slots__ = ("key", "fields")

    def __init__(self, key: str, /, **fields):
        self.key = key
        self.fields = fields

    def __str__(self) -> str:
        from kvviz.text import t  # lazy, as above

        return t(self.key, **self.fields)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"Phrase({self.key!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Phrase) and (self.key, self.fields) == (other.key, other.fields)

    def __hash__(self) -> int:
        return hash(self.key)


class Bytes(int):
    """A byte count inside a keyed message, written by kvviz.units.fmt_bytes when formatted, so its unit word
    ("bytes", "字节") follows the reader's language too. Still the number (an int) for tests and code."""

    def __str__(self) -> str:
        from kvviz.units import fmt_bytes  # lazy: units reads the text layer

        return fmt_bytes(int(self))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)
