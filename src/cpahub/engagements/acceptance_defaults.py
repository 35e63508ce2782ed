"""The questionnaire a firm starts with for each engagement type (业务承接评价表).

Drawn from the acceptance and continuance requirements of the quality-management standards
(质量管理准则第5101号 and CSA 1121 on relationships and engagements, CSA 1153 on predecessor
auditors): integrity of management, independence, competence and resources, fees, public-interest
status, going concern, communication with the predecessor, and the risks of the report's use.
A firm edits its copy; these only seed it the first time an engagement of the type is accepted.
"""

from django.utils.translation import gettext_lazy as _

from cpahub.engagements.choices import EngagementType

# (key, question, guidance, [(answer, score, forces_high), ...])
COMMON = [
    (
        "integrity",
        _("Do the owners, those charged with governance and management act with integrity?"),
        _(
            "Consider their reputation, known fraud or illegal acts, aggressive accounting, attempts to "
            "limit the auditor's work, media reports and enforcement actions."
        ),
        [
            (_("No doubts about integrity"), 0, False),
            (_("Some indications that need attention"), 4, False),
            (_("Serious doubts about integrity"), 10, True),
        ],
    ),
    (
        "independence",
        _(
            "Are there threats to the independence of the firm or the team (self-interest, self-review, "
            "advocacy, familiarity, intimidation)?"
        ),
        _("Include other services the firm provides to the client or its group (see the conflict check)."),
        [
            (_("No threats identified"), 0, False),
            (_("Threats exist but safeguards reduce them to an acceptable level"), 3, False),
            (_("Threats cannot be reduced to an acceptable level"), 10, True),
        ],
    ),
    (
        "competence",
        _("Does the firm have the competence, capabilities, time and resources to perform the engagement?"),
        _("Industry knowledge, specialists needed, staff available in the period, the reporting deadline."),
        [
            (_("Yes, fully"), 0, False),
            (_("Yes, with experts or extra staff still to be arranged"), 2, False),
            (_("Insufficient competence or resources"), 8, True),
        ],
    ),
    (
        "fee",
        _("Is the proposed fee adequate for the work required?"),
        _(
            "A fee below 70 per cent of the benchmark fee needs a written explanation; a fee 20 per cent or "
            "more below last year's on the same client must be explained."
        ),
        [
            (_("At or above the benchmark fee"), 0, False),
            (_("Below the benchmark but at least 70 per cent of it"), 2, False),
            (_("Below 70 per cent of the benchmark, or down 20 per cent or more on last year"), 5, False),
        ],
    ),
    (
        "public_interest",
        _("Is the client a listed company or another public-interest entity?"),
        "",
        [
            (_("No"), 0, False),
            (_("Preparing to list, issuing bonds, or a state-owned enterprise"), 2, False),
            (_("Listed company, financial institution or other public-interest entity"), 4, False),
        ],
    ),
    (
        "litigation",
        _("Are the client or its management subject to litigation, regulatory investigation or penalties?"),
        "",
        [
            (_("None known"), 0, False),
            (_("Ordinary commercial disputes"), 1, False),
            (_("Material litigation, investigation or penalties"), 5, False),
        ],
    ),
    (
        "scope",
        _("Has the client imposed limitations on the scope of the work or an unreasonable deadline?"),
        "",
        [
            (_("No"), 0, False),
            (_("A tight deadline that can be managed"), 2, False),
            (_("Limitations on scope or an unrealistic deadline"), 6, False),
        ],
    ),
    (
        "report_use",
        _("What is the report intended for?"),
        "",
        [
            (_("Routine annual filing or internal management"), 0, False),
            (_("Financing, a tender or a government grant"), 2, False),
            (_("Listing, restructuring, litigation or another high-exposure use"), 4, False),
        ],
    ),
]

AUDIT = [
    (
        "going_concern",
        _(
            "Are there events or conditions that cast doubt on the entity's ability to continue as a going concern?"
        ),
        _("Losses, negative working capital, overdue debts, loss of key customers or licences."),
        [
            (_("None identified"), 0, False),
            (_("Some indicators, mitigated by management's plans"), 3, False),
            (_("Significant doubt about going concern"), 6, False),
        ],
    ),
    (
        "predecessor",
        _("What did communication with the predecessor auditor show?"),
        _(
            "Before accepting a first-year engagement, ask the predecessor (with the client's permission) "
            "about management's integrity, disagreements and the reasons for the change."
        ),
        [
            (_("Continuing engagement: not needed"), 0, False),
            (_("Communicated: nothing that affects acceptance"), 0, False),
            (_("The predecessor did not reply or the client refused permission"), 3, False),
            (_("The predecessor reported integrity issues or disagreements"), 8, True),
        ],
    ),
    (
        "prior_opinion",
        _("What opinion did the prior period's report carry?"),
        "",
        [
            (_("Unmodified, or no prior audit"), 0, False),
            (_("Unmodified with an emphasis-of-matter or other-matter paragraph"), 2, False),
            (_("Qualified, adverse or a disclaimer of opinion"), 5, False),
        ],
    ),
    (
        "internal_control",
        _("How reliable are the entity's internal control and accounting records?"),
        "",
        [
            (_("Sound"), 0, False),
            (_("Some deficiencies"), 2, False),
            (_("Significant deficiencies or unreliable records"), 5, False),
        ],
    ),
    (
        "industry",
        _("How risky are the entity's industry and business?"),
        _("For example real estate, finance, heavy related-party trading, reliance on subsidies."),
        [(_("Low"), 0, False), (_("Moderate"), 2, False), (_("High"), 4, False)],
    ),
]

CAPITAL = [
    (
        "contribution",
        _("How is the capital contributed?"),
        "",
        [
            (_("In cash through a bank account"), 0, False),
            (_("Non-cash assets with a valuation report"), 3, False),
            (_("Non-cash or intangible assets without a valuation"), 6, False),
        ],
    ),
    (
        "funding_source",
        _("Is the source of the contributed funds clear, and are the contributors identified?"),
        _("Watch for borrowed funds, round-tripping and withdrawal of capital after the contribution."),
        [
            (_("Clear and verified"), 0, False),
            (_("Partly unclear"), 3, False),
            (_("Unclear, or signs of borrowed funds or withdrawal after contribution"), 8, True),
        ],
    ),
]

AUDIT_TYPES = {EngagementType.FS_AUDIT, EngagementType.SPECIAL_AUDIT, EngagementType.REVIEW}


def default_questionnaire(engagement_type: str) -> tuple[list, int, int]:
    """(questions, medium_from, high_from) for a type."""
    if engagement_type in AUDIT_TYPES:
        return COMMON[:2] + AUDIT[:2] + COMMON[2:] + AUDIT[2:], 10, 20
    if engagement_type == EngagementType.CAPITAL_VERIFICATION:
        return COMMON + CAPITAL, 8, 16
    return COMMON, 8, 16
