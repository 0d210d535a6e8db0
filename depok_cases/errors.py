"""Error reports that carry no personal data."""

from django.views.debug import SafeExceptionReporterFilter


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
