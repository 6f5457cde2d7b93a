"""The one exception scenarios raise to fail with a one-line reason."""


class ScenarioFailure(Exception):
    """A scenario's assertion failed; str(self) is the one-line reason printed after FAIL."""
