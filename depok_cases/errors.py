"""Error reports that carry no personal data."""

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter


class StrictExceptionReporterFilter(SafeExceptionReporterFilter):
    """Hide every POST value, every local variable and the request body.

    A traceback from a case page would otherwise show the victim's name held in
    a local variable or form field. Operators get the stack, not the data.
    """

    def is_active(self, request):
        return True

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]


class StrictExceptionReporter(ExceptionReporter):
    """Django lists the names of uploaded files in its report; a file name can
    hold a victim's name, so only the field names are kept."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        files = self.request.FILES if self.request is not None else {}
        data["request_FILES_items"] = [(name, "********") for name in files]
        return data
