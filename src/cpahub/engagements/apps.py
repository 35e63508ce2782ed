from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementsConfig(AppConfig):
    name = "cpahub.engagements"
    verbose_name = _("Engagements")

    def ready(self):
        from cpahub.accounts.choices import FIRM_ROLES
        from cpahub.core.navigation import MenuGroup, MenuItem, register
        from cpahub.practice.access import MANAGERS, PARTNERS

        firm = tuple(FIRM_ROLES)
        register(
            MenuGroup(
                _("Engagements"),
                (
                    MenuItem(_("Partner dashboard"), "practice:dashboard", tuple(PARTNERS), "graph-up"),
                    MenuItem(_("My to-do"), "engagements:todo", firm, "check2-square"),
                    MenuItem(_("Engagements"), "engagements:engagement_list", firm, "briefcase"),
                    MenuItem(_("New engagement"), "engagements:engagement_add", tuple(MANAGERS), "plus-lg"),
                    MenuItem(_("Report numbers"), "engagements:report_numbers", firm, "hash"),
                    MenuItem(
                        _("Acceptance questionnaires"), "engagements:questionnaire_list", firm, "ui-checks"
                    ),
                    MenuItem(_("Firm practice settings"), "practice:settings", tuple(PARTNERS), "sliders"),
                    MenuItem(_("Grades and rates"), "practice:grades", tuple(PARTNERS), "ladder"),
                    MenuItem(_("Staff profiles"), "practice:staff", tuple(MANAGERS), "person-badge"),
                ),
            )
        )
