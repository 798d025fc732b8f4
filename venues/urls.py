from django.urls import include, path

from . import team_views, views

urlpatterns = [
    path(
        "venues/<int:venue_id>/",
        include(
            [
                path("edit/", views.venue_edit, name="venue_edit"),
                path("delete/", views.venue_delete, name="venue_delete"),
                path("share/", views.share_links, name="share_links"),
                path("share/<int:link_id>/revoke/", views.share_revoke, name="share_revoke"),
                # The team (venues/team.py).
                path("members/", team_views.members, name="members"),
                path("members/leave/", team_views.member_leave, name="member_leave"),
                path(
                    "members/<int:membership_id>/role/",
                    team_views.member_role,
                    name="member_role",
                ),
                path(
                    "members/<int:membership_id>/remove/",
                    team_views.member_remove,
                    name="member_remove",
                ),
                path(
                    "members/<int:membership_id>/transfer/",
                    team_views.member_transfer,
                    name="member_transfer",
                ),
                path("invitations/", team_views.invite, name="invite"),
                path(
                    "invitations/<int:invitation_id>/revoke/",
                    team_views.invitation_revoke,
                    name="invitation_revoke",
                ),
                path("journal/", team_views.venue_journal, name="venue_journal"),
                path("share/<int:link_id>/options/", views.share_options, name="share_options"),
            ]
        ),
    ),
    # Any path under it, so that every link that is not a pending invitation gets one page.
    path("invitation/<path:token>/", team_views.invitation, name="invitation"),
]
