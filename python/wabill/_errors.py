"""The exception of every failed wabill call."""


class WabillError(Exception):
    """A run of wabill that failed, with the message the command prints
    (``file:line:column: reason`` for a row it cannot read) and its exit
    code: 1 an error, 2 a usage error (an unknown option or a bad value)."""

    def __init__(self, message, exit_code=1):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

    def __str__(self):
        return self.message
