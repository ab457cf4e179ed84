"""One exception tree for xlsizing.

Every error the library raises derives from :class:`XlsizingError`; the leaves also derive from
the built-in they resemble, so ``except ValueError`` keeps working for callers who do not know
this package.  Messages name the argument, quote the value and say what is allowed:
``mfu must be in (0, 1], got 1.5``.
"""


class XlsizingError(Exception):
    """Base class of every error raised by xlsizing."""


class InvalidInput(ValueError, XlsizingError):
    """An argument or a scenario value is outside what the model accepts."""


class ScenarioFileError(InvalidInput):
    """A scenario file cannot be read or holds a bad value (message names file, line, key)."""


class UnknownAccelerator(LookupError, XlsizingError):
    """An accelerator name is not in the catalog."""

    def __str__(self):  # LookupError would quote the message with repr()
        return str(self.args[0]) if self.args else ""


class MissingFigure(LookupError, XlsizingError):
    """The catalog entry of an accelerator lacks a figure the calculation needs (no silent default).

    The message names the accelerator and the figure and says how to supply it; ``accelerator``
    and ``figure`` carry the same as attributes.
    """

    def __init__(self, message: str, accelerator: str = "", figure: str = ""):
        super().__init__(message)
        self.accelerator, self.figure = accelerator, figure

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class UnknownModel(LookupError, XlsizingError):
    """A model name is neither a shipped config (xlsizing/data/models) nor a config.json path."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class UnknownScenarioSet(LookupError, XlsizingError):
    """A built-in scenario set name is not known."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class OutputExists(FileExistsError, XlsizingError):
    """Refusing to overwrite an existing file without ``force``."""


class WorkbookError(XlsizingError):
    """A workbook cannot be read, filled or verified."""


class VerificationFailed(XlsizingError):
    """A recalculated workbook disagrees with the Python engine."""


class WriteFailed(OSError, XlsizingError):
    """An output could not be written (full disk, read-only folder); nothing was left behind."""
