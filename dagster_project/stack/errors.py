"""Errors of the local stack: each says what went wrong and what to do about it."""


class StackError(Exception):
    """A stack operation failed; the message names the cause and the fix."""

    def __init__(self, cause: str, fix: str):
        self.cause, self.fix = cause, fix
        super().__init__(f"{cause}\n  fix: {fix}")
