from django.urls import path

from cpahub.engagements.views import acceptance, engagements, lifecycle, questionnaires, team, todo

app_name = "engagements"

rows = []
for name in team.SECTIONS:
    rows += [
        path(
            f"<int:pk>/{name}/section/", team.SectionView.as_view(section_name=name), name=f"{name}_section"
        ),
        path(f"<int:pk>/{name}/add/", team.RowAddView.as_view(section_name=name), name=f"{name}_add"),
        path(
            f"<int:pk>/{name}/<int:row>/edit/",
            team.RowEditView.as_view(section_name=name),
            name=f"{name}_edit",
        ),
        path(
            f"<int:pk>/{name}/<int:row>/delete/",
            team.RowDeleteView.as_view(section_name=name),
            name=f"{name}_delete",
        ),
    ]

urlpatterns = [
    path("", engagements.EngagementListView.as_view(), name="engagement_list"),
    path("add/", engagements.EngagementCreateView.as_view(), name="engagement_add"),
    path("todo/", todo.TodoView.as_view(), name="todo"),
    path("report-numbers/", engagements.ReportNumberListView.as_view(), name="report_numbers"),
    path("<int:pk>/", engagements.OverviewView.as_view(), name="engagement_detail"),
    path("<int:pk>/edit/", engagements.EngagementEditView.as_view(), name="engagement_edit"),
    path("<int:pk>/continue/", engagements.ContinuanceView.as_view(), name="engagement_continue"),
    path("<int:pk>/history/", engagements.HistoryView.as_view(), name="history"),
    path("<int:pk>/step/<slug:name>/", lifecycle.TransitionView.as_view(), name="transition"),
    path("<int:pk>/reviews/", lifecycle.ReviewsView.as_view(), name="reviews"),
    path("<int:pk>/reviews/sign/", lifecycle.SignOffView.as_view(), name="sign_off"),
    path("<int:pk>/acceptance/", acceptance.AcceptanceView.as_view(), name="acceptance"),
    path("<int:pk>/acceptance/decide/", acceptance.DecideView.as_view(), name="acceptance_decide"),
    path("<int:pk>/independence/", acceptance.DeclareView.as_view(), name="declare"),
    path(
        "<int:pk>/independence/<int:declaration>/approve/",
        acceptance.ApproveSafeguardsView.as_view(),
        name="approve_safeguards",
    ),
    path("<int:pk>/team/", team.TeamTabView.as_view(), name="team"),
    path("<int:pk>/milestones/", team.MilestonesTabView.as_view(), name="milestones"),
    path("<int:pk>/milestones/<int:row>/done/", team.MilestoneDoneView.as_view(), name="milestone_done"),
    *rows,
    path("questionnaires/", questionnaires.QuestionnaireListView.as_view(), name="questionnaire_list"),
    path(
        "questionnaires/open/<int:firm>/<slug:engagement_type>/",
        questionnaires.QuestionnaireOpenView.as_view(),
        name="questionnaire_open",
    ),
    path(
        "questionnaires/<int:pk>/",
        questionnaires.QuestionnaireDetailView.as_view(),
        name="questionnaire_detail",
    ),
    path(
        "questionnaires/<int:pk>/settings/",
        questionnaires.QuestionnaireSettingsView.as_view(),
        name="questionnaire_settings",
    ),
    path(
        "questionnaires/<int:pk>/questions/add/",
        questionnaires.QuestionSaveView.as_view(),
        name="question_add",
    ),
    path(
        "questionnaires/<int:pk>/questions/<slug:key>/",
        questionnaires.QuestionSaveView.as_view(),
        name="question_edit",
    ),
    path(
        "questionnaires/<int:pk>/questions/<slug:key>/delete/",
        questionnaires.QuestionDeleteView.as_view(),
        name="question_delete",
    ),
]
