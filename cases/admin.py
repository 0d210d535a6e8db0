"""No case data in the Django admin, on purpose.

Administrators manage reference data and agencies; the superuser flag opens
no case (see DESIGN, Access). Case records are reached only through the gate
in ``cases.selectors``, which the admin would bypass.
"""
