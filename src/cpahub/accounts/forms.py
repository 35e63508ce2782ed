from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import CREATABLE_KINDS, City, OrgKind, OrgStatus, Role
from cpahub.accounts.models import User


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


def password_help(new_account: bool = False) -> str:
    """The password rules as an HTML list (a new account has no password history to repeat)."""
    from django.utils.html import format_html, format_html_join

    from cpahub.accounts.passwords import HistoryValidator

    validators = password_validation.get_default_password_validators()
    if new_account:
        validators = [v for v in validators if not isinstance(v, HistoryValidator)]
    items = format_html_join("", "<li>{}</li>", ((v.get_help_text(),) for v in validators))
    return format_html("<ul>{}</ul>", items) if items else ""


class LoginForm(AuthenticationForm):
    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
        _bootstrap(self)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "class": "form-control form-control-lg text-center font-monospace",
                "placeholder": "123456",
            }
        ),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = password_help()
        _bootstrap(self)

    def clean_old_password(self):
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError(_("Your current password is not correct."), code="password_incorrect")
        return value

    def clean(self):
        cleaned = super().clean()
        new1, new2 = cleaned.get("new_password1"), cleaned.get("new_password2")
        if new1 and new2 and new1 != new2:
            self.add_error("new_password2", _("The two new passwords differ."))
        elif new1:
            try:
                password_validation.validate_password(new1, self.user)
            except forms.ValidationError as exc:
                self.add_error("new_password1", exc)
        return cleaned


class AcceptInvitationForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        validators=[User.username_validator],
        help_text=_("Letters, digits and @ . + - _ only. You log in with it."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    display_name = forms.CharField(label=_("Your name"), max_length=100)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = password_help(new_account=True)
        _bootstrap(self)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This user name is taken."), code="username_taken")
        return username

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password1")
        if password and password != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif password:
            candidate = User(
                username=cleaned.get("username", ""),
                display_name=cleaned.get("display_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class InvitationForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    roles = forms.MultipleChoiceField(label=_("Roles"), widget=forms.CheckboxSelectMultiple)
    display_name = forms.CharField(label=_("Name"), max_length=100, required=False)
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_("Optional: the link is also sent to this address."),
    )

    def __init__(self, *args, organisations=(), roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(org.pk, str(org)) for org in organisations]
        self.fields["roles"].choices = [(role, Role(role).label) for role in roles]
        _bootstrap(self)


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(label=_("Roles"), widget=forms.CheckboxSelectMultiple, required=False)

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(role, Role(role).label) for role in roles]


class GrantRoleForm(forms.Form):
    """Give an existing account a role in one organisation (the roles offered are the actor's)."""

    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role, Role(role).label) for role in roles]
        _bootstrap(self)


class OrganisationForm(forms.Form):
    """A new organisation (`services.create_organisation` checks and saves it)."""

    kind = forms.ChoiceField(label=_("Kind"))
    name = forms.CharField(label=_("Name"), max_length=200)
    short_name = forms.CharField(label=_("Short name"), max_length=60, required=False)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=30,
        required=False,
        help_text=_("18 characters; optional for associations and regulators."),
    )
    city = forms.ChoiceField(
        label=_("City"),
        required=False,
        help_text=_("Required for a city association (one per city)."),
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(label=_("Telephone"), max_length=40, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, OrgKind(kind).label) for kind in CREATABLE_KINDS]
        self.fields["city"].choices = [("", "—"), *City.choices]
        _bootstrap(self)


class DisableTwoFactorForm(CodeForm):
    pass


ORGANISATION_EDIT_FIELDS = ("name", "short_name", "credit_code", "address", "phone", "status")


class OrganisationEditForm(forms.Form):
    """An organisation's details and status (`services.update_organisation` checks and saves them).
    The provincial association's status is not offered: it is never suspended or closed."""

    name = forms.CharField(label=_("Name"), max_length=200)
    short_name = forms.CharField(label=_("Short name"), max_length=60, required=False)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=30,
        required=False,
        help_text=_("18 characters; optional for associations and regulators."),
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(label=_("Telephone"), max_length=40, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        help_text=_(
            "Suspending or closing the organisation ends the access of everybody's roles in it at "
            "once; making it active again restores them."
        ),
    )

    def __init__(self, *args, instance, **kwargs):
        kwargs.setdefault(
            "initial", {name: getattr(instance, name) or "" for name in ORGANISATION_EDIT_FIELDS}
        )
        super().__init__(*args, **kwargs)
        if instance.kind == OrgKind.PROVINCIAL_ASSOCIATION:
            del self.fields["status"]
        else:
            statuses = [OrgStatus.ACTIVE, OrgStatus.SUSPENDED, OrgStatus.CLOSED]
            if instance.status not in statuses:
                statuses.insert(0, OrgStatus(instance.status))
            self.fields["status"].choices = [(status, OrgStatus(status).label) for status in statuses]
        _bootstrap(self)
