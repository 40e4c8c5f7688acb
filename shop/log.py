import logging


class RefusalsOneLine(logging.Filter):
    """Drop the traceback Django attaches to a 4xx (a refusal, a missing page): the request
    was answered as intended, so its one line says all there is to say. 5xx keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
