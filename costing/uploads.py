"""Reading an uploaded venue document without reading more of the request than it may hold."""

from django.core.files.uploadhandler import MemoryFileUploadHandler, StopUpload
from django.http import HttpRequest


class LimitedUploadHandler(MemoryFileUploadHandler):
    """Keeps the request's files in memory, up to `max_bytes` in all, and keeps nothing more
    once they pass it.

    Django's own handlers write a file over FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file,
    however big, before any form can look at it. This one refuses when the file starts, if
    the request's Content-Length already says it cannot fit, and otherwise as soon as the
    bytes received pass the limit. Either way nothing more is kept: the rest of the body is
    read and dropped, up to DRAIN_BYTES, and `stopped` tells the view why the file is
    missing.

    Set it before anything reads request.POST: the view is csrf_exempt and checks the token
    itself with csrf_protect once the handler is in place (Django's "Modifying upload
    handlers on the fly").
    """

    # Room in a request for the multipart framing and the form's other field (the CSRF
    # token) besides the file: a few hundred bytes in practice.
    FRAMING_BYTES = 64 * 1024
    # A browser reads the answer only once it has sent the whole request: a server that
    # closes the connection with the body still coming makes it show "connection reset"
    # instead of the page (Chromium against gunicorn, whose close drains 64 KB). A photo or
    # a PDF picked by mistake is read to its end and dropped; past this, the connection is
    # cut.
    DRAIN_BYTES = 50 * 1024 * 1024

    def __init__(self, request: HttpRequest, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.request_length = 0
        self.received = 0
        self.stopped = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.input_data = input_data
        self.request_length = content_length
        # In memory whatever FILE_UPLOAD_MAX_MEMORY_SIZE says: never more than max_bytes.
        self.activated = True

    def new_file(self, field_name, file_name, content_type, content_length, *args, **kwargs):
        if (
            self.request_length > self.max_bytes + self.FRAMING_BYTES
            or self.received + (content_length or 0) > self.max_bytes  # the part's own header
        ):
            self._stop()
        super().new_file(field_name, file_name, content_type, content_length, *args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self._stop()
        return super().receive_data_chunk(raw_data, start)

    def upload_complete(self) -> None:
        if self.stopped:
            left = self.DRAIN_BYTES
            while left > 0 and (chunk := self.input_data.read(min(self.chunk_size, left))):
                left -= len(chunk)

    def _stop(self):
        self.stopped = True
        # Not Django's own drain (connection_reset=False), which reads however much comes.
        raise StopUpload(connection_reset=True)
