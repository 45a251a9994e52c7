"""The one base of every failure a user can act on. Its message is one line that names the cause
(and, where there is one, the fix); the CLI prints it and the chat page shows it. Any other
exception is a bug."""


class ReportAssistantError(Exception):
    pass
