"""The case pages. Each group of pages keeps its own routes (intake, the list
and the case page with its workflow, attachments) and the isolation matrix
(tests/cases/test_page_isolation_matrix.py) walks them all."""

from cases import urls_attachments, urls_case, urls_intake

app_name = "cases"

urlpatterns = [*urls_intake.urlpatterns, *urls_case.urlpatterns, *urls_attachments.urlpatterns]
