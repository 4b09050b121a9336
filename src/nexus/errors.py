"""Domain errors: what a caller did that the platform refuses, each with a message saying why.

The service layer raises them; the API maps each to its HTTP status and the CLI prints
it in one line with a non-zero exit. Anything else (a bare ValueError or KeyError) is a
bug: a 500 with a traceback in the log, never shown as the user's fault.
"""


class NexusError(Exception):
    """A refusal the user can act on. Its message says what to do."""

    status = 400
    audited = False  # the refusal is in the audit trail already: whoever answers it need not record it again

    def __init__(self, *args, audited: bool = False) -> None:
        super().__init__(*args)
        self.audited = audited

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else type(self).__name__


class InvalidInput(NexusError, ValueError):
    """The request is malformed or breaks a rule (a dismissal without a reason, an unknown decision). `field` names
    the parameter at fault when there is one, and the message then starts with it: as the caller's words name it
    (`max_classification`), or with where the request carried it when that is known (`query.q`)."""

    status = 422
    field: str | None = None

    def __init__(self, *args, field: str | None = None) -> None:
        super().__init__(*args)
        self.field = field

    @property
    def message(self) -> str:
        """What is wrong, without the field's name."""
        return super().__str__()

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class NotFound(NexusError, KeyError):
    """The thing named does not exist, or the caller may not know it does."""

    status = 404


class Conflict(NexusError):
    """The request contradicts the current state (an alert reviewed by someone else meanwhile)."""

    status = 409


class Unauthenticated(NexusError):
    """No valid credential: log in, or send an API token."""

    status = 401


class Forbidden(NexusError, PermissionError):
    """The caller's roles, token scopes or clearance do not allow the action."""

    status = 403


class Unavailable(NexusError):
    """A service the platform depends on (the database, a Spark cluster) cannot be reached."""

    status = 503
