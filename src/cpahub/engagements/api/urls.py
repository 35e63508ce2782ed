from rest_framework.routers import DefaultRouter

from cpahub.engagements.api import views

router = DefaultRouter()
router.register("engagements", views.EngagementViewSet, basename="engagement")
router.register("team-members", views.TeamMemberViewSet, basename="team-member")
router.register("budget-lines", views.BudgetLineViewSet, basename="budget-line")
router.register("milestones", views.MilestoneViewSet, basename="milestone")

app_name = "engagements-api"
urlpatterns = router.urls
