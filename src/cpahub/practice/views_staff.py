"""The firm's staff page: its people with their profiles (office, grade, capacity ...).

Everyone in the firm reads the people within their reach (a branch sees its branch unless the firm
lets branches see the whole firm); partners and the firm administrator create and change profiles.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cpahub.accounts.choices import FIRM_ROLES
from cpahub.accounts.models import Membership
from cpahub.core.permissions import VIEW
from cpahub.core.views import apply_validation_error, changes_for, log_denied
from cpahub.practice import forms, services
from cpahub.practice.access import PARTNERS
from cpahub.practice.models import Grade, StaffProfile
from cpahub.practice.views import FirmPage

PAGE_SIZE = 50


def _members(offices):
    """Active firm-role memberships in `offices`."""
    return Membership.objects.filter(organisation_id__in=offices, active=True, role__in=FIRM_ROLES)


def _filtered(people, visible, data: dict):
    """Apply the list's filters; `visible` are the profiles of the firm the viewer may see."""
    mine = visible.filter(user=OuterRef("pk"))
    status = data.get("status")
    if status == "current":
        people = people.filter(Exists(mine.filter(Q(left__isnull=True) | Q(left__gte=timezone.localdate()))))
    elif status == "left":
        people = people.filter(Exists(mine.filter(left__lt=timezone.localdate())))
    elif status == "none":
        people = people.exclude(Exists(mine))
    if office := data.get("office"):
        # A person without a profile belongs to the office of their membership.
        people = people.filter(
            Exists(mine.filter(office=office))
            | (~Exists(mine) & Exists(_members([office.pk]).filter(user=OuterRef("pk"))))
        )
    if grade := data.get("grade"):
        people = people.filter(Exists(mine.filter(grade=grade)))
    if text := (data.get("q") or "").strip():
        people = people.filter(
            Q(display_name__icontains=text)
            | Q(username__icontains=text)
            | Q(first_name__icontains=text)
            | Q(last_name__icontains=text)
            | Exists(mine.filter(employee_no__icontains=text))
        )
    return people


class StaffView(FirmPage):
    url_name = "staff"
    template = "practice/staff.html"

    def get(self, request, **kwargs):
        firm = self.firm
        offices = services.offices_of(firm)
        reach = services.offices_reached(request.user, firm)
        managed = services.offices_reached(request.user, firm, PARTNERS)
        visible = StaffProfile.objects.restrict(request.user, VIEW).filter(firm=firm)
        any_profile = StaffProfile.objects.filter(firm=firm, user=OuterRef("pk"))
        # The firm's profiles the viewer sees, and the firm's people in their reach who have none.
        people = get_user_model().objects.filter(
            Exists(visible.filter(user=OuterRef("pk")))
            | (Exists(_members(reach).filter(user=OuterRef("pk"))) & ~Exists(any_profile))
        )
        filters = forms.StaffFilterForm(
            request.GET or None,
            offices=offices.filter(pk__in=reach),
            grades=Grade.objects.filter(firm=firm),
        )
        if filters.is_bound and filters.is_valid():
            people = _filtered(people, visible, filters.cleaned_data)
        elif filters.is_bound:
            people = people.none()
        people = people.order_by("display_name", "username", "pk").prefetch_related(
            Prefetch(
                "staff_profiles",
                queryset=visible.select_related("office", "grade"),
                to_attr="profiles_here",
            ),
            Prefetch(
                "memberships",
                queryset=_members(reach)
                .select_related("organisation")
                .order_by("organisation__parent_id", "role"),
                to_attr="roles_here",
            ),
        )
        paginator = Paginator(people, PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        back = request.GET.urlencode()
        today = timezone.localdate()
        rows = []
        for person in page.object_list:
            profile = person.profiles_here[0] if person.profiles_here else None
            where = {profile.office_id} if profile else {m.organisation_id for m in person.roles_here}
            rows.append(
                {
                    "person": person,
                    "profile": profile,
                    "roles": person.roles_here,
                    "gone": bool(profile and profile.left and profile.left < today),
                    "editable": bool(where & managed),
                }
            )
        return render(
            request,
            self.template,
            {
                "firm": firm,
                "firms": self.firms,
                "rows": rows,
                "filters": filters,
                "page_obj": page,
                "paginator": paginator,
                "query": query.urlencode(),
                "back": back,
                "editable": bool(managed),
                "quality_missing": not services.has_quality_partner(firm),
                "pending_high_risk": services.pending_high_risk(firm) if managed else 0,
            },
        )


class StaffEditView(FirmPage):
    """Create or change one person's profile (partners and the firm administrator)."""

    url_name = "staff"
    template = "practice/staff_form.html"

    def dispatch(self, request, *args, person=None, **kwargs):
        self.person_pk = person
        return super().dispatch(request, *args, **kwargs)

    def load(self, request):
        managed = services.offices_reached(request.user, self.firm, PARTNERS)
        if not managed:
            log_denied(request, f"staff:{self.firm.pk}:{self.person_pk}")
            raise PermissionDenied
        person = get_user_model().objects.filter(pk=self.person_pk).first()
        if person is None:
            raise Http404
        profile = (
            StaffProfile.objects.filter(firm=self.firm, user=person).select_related("office", "grade").first()
        )
        offices = services.offices_of(self.firm).values("pk")
        roles = list(_members(offices).filter(user=person).select_related("organisation"))
        if profile is None and not roles:
            raise Http404  # not a person of this firm
        where = {profile.office_id} if profile else {m.organisation_id for m in roles}
        if not where & managed:
            log_denied(request, f"staff:{self.firm.pk}:{self.person_pk}")
            raise PermissionDenied
        self.person, self.profile, self.roles = person, profile, roles
        self.offices = services.offices_of(self.firm).filter(pk__in=managed)
        self.back = QueryDict(request.GET.get("back") or request.POST.get("back") or "").urlencode()

    def form(self, data=None):
        instance = self.profile or StaffProfile(firm=self.firm, user=self.person)
        initial = {}
        if self.profile is None:
            ours = [m for m in self.roles if m.organisation_id in {o.pk for o in self.offices}]
            initial = {
                "office": ours[0].organisation_id if ours else None,
                "joined": min((m.started for m in self.roles), default=None),
            }
        return forms.StaffProfileForm(
            data, instance=instance, initial=initial, firm=self.firm, offices=self.offices
        )

    def page(self, request, form, status=200):
        return render(
            request,
            self.template,
            {
                "firm": self.firm,
                "person": self.person,
                "profile": self.profile,
                "roles": self.roles,
                "form": form,
                "back": self.back,
                "list_url": self.list_url(),
                "changes": changes_for(request.user, self.profile)[:20] if self.profile else [],
            },
            status=status,
        )

    def list_url(self) -> str:
        url = reverse("practice:staff_of", kwargs={"firm": self.firm.pk})
        return f"{url}?{self.back}" if self.back else url

    def get(self, request, **kwargs):
        self.load(request)
        return self.page(request, self.form())

    def post(self, request, **kwargs):
        self.load(request)
        form = self.form(request.POST)
        if form.is_valid():
            try:
                services.save_profile(request.user, self.firm, self.person, **form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Saved."))
                if not services.has_quality_partner(self.firm):
                    messages.warning(request, _("The firm now has no risk and quality partner."))
                return redirect(self.list_url())
        return self.page(request, form, status=400)
