from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    error_messages = {
        # One message for an unknown user and a wrong password: the answer
        # must not tell whether a username exists.
        "invalid_login": _("The username or password is not right. Check both and try again."),
        "inactive": _("The username or password is not right. Check both and try again."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class SwitchMembershipForm(forms.Form):
    membership = forms.IntegerField()
