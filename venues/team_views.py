"""The team's pages: a venue's members and invitations, its journal, and the page an
invitation's link opens. The rules are venues/team.py's; docs/architecture.md ("The team")."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import throttle
from accounts.forms import SignupForm

from . import journal, team
from .access import venue_view
from .forms import InvitationForm, RoleForm
from .models import Invitation, Membership, Role, Venue

JOURNAL_PAGE_SIZE = 50


def _members_page(
    request: HttpRequest, venue: Venue, form: InvitationForm | None = None, status: int = 200
) -> HttpResponse:
    is_owner = venue.role == Role.OWNER
    context = {
        "venue": venue,
        "members": team.members(venue),
        "is_owner": is_owner,
        "roles": Role.choices,
    }
    if is_owner:
        context["invitations"] = team.pending_invitations(venue)
        context["form"] = form or InvitationForm(venue=venue, inviter=request.user)
    return render(request, "venues/members.html", context, status=status)


@venue_view(Role.VIEWER, methods=("GET",), scenarios=False)
def members(request: HttpRequest, venue: Venue) -> HttpResponse:
    """Who has access to the venue, with which role (every member); the owner's tools."""
    return _members_page(request, venue)


def _membership(venue: Venue, membership_id: int) -> Membership:
    return get_object_or_404(venue.memberships.select_related("user"), pk=membership_id)


def _own_membership(request: HttpRequest, venue: Venue) -> Membership:
    return venue.memberships.select_related("user").get(user=request.user)


def _back(request: HttpRequest, venue: Venue, done: str | None, refusal: team.Refused | None):
    if refusal is not None:
        messages.error(request, str(refusal))
    elif done:
        messages.success(request, done)
    return redirect("members", venue.pk)


@venue_view(Role.OWNER, methods=("POST",), scenarios=False)
def member_role(request: HttpRequest, venue: Venue, membership_id: int) -> HttpResponse:
    membership = _membership(venue, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _back(request, venue, None, team.Refused(_("Choisissez un rôle de la liste.")))
    try:
        team.set_role(venue, membership, form.cleaned_data["role"])
    except team.Refused as refusal:
        return _back(request, venue, None, refusal)
    done = _("%(name)s a maintenant le rôle « %(role)s ».") % {
        "name": membership.user.get_username(),
        "role": Role(membership.role).label,
    }
    if membership.user == request.user and membership.role != Role.OWNER:
        messages.success(request, done)
        return redirect(venue)
    return _back(request, venue, done, None)


@venue_view(Role.OWNER, methods=("POST",), scenarios=False)
def member_remove(request: HttpRequest, venue: Venue, membership_id: int) -> HttpResponse:
    membership = _membership(venue, membership_id)
    try:
        team.remove(venue, membership)
    except team.Refused as refusal:
        return _back(request, venue, None, refusal)
    if membership.user == request.user:
        return _left(request, venue)
    done = _("%(name)s n'a plus accès au lieu.") % {"name": membership.user.get_username()}
    return _back(request, venue, done, None)


@venue_view(Role.OWNER, methods=("POST",), scenarios=False)
def member_transfer(request: HttpRequest, venue: Venue, membership_id: int) -> HttpResponse:
    successor = _membership(venue, membership_id)
    try:
        team.transfer(venue, _own_membership(request, venue), successor)
    except team.Refused as refusal:
        return _back(request, venue, None, refusal)
    messages.success(
        request,
        _("%(name)s est maintenant propriétaire du lieu ; vous en êtes éditeur.")
        % {"name": successor.user.get_username()},
    )
    return redirect("members", venue.pk)


@venue_view(Role.VIEWER, methods=("POST",), scenarios=False)
def member_leave(request: HttpRequest, venue: Venue) -> HttpResponse:
    try:
        team.leave(venue, _own_membership(request, venue))
    except team.Refused as refusal:
        return _back(request, venue, None, refusal)
    return _left(request, venue)


def _left(request: HttpRequest, venue: Venue) -> HttpResponse:
    messages.success(request, _("Vous avez quitté le lieu « %(name)s ».") % {"name": venue.name})
    return redirect("venue_list")


@venue_view(Role.OWNER, methods=("POST",), scenarios=False)
def invite(request: HttpRequest, venue: Venue) -> HttpResponse:
    form = InvitationForm(request.POST, venue=venue, inviter=request.user)
    if not form.is_valid():
        return _members_page(request, venue, form, status=429 if form.throttled else 200)
    email, role = form.cleaned_data["email"], form.cleaned_data["role"]
    try:
        with transaction.atomic():  # nothing stored if the e-mail cannot be sent
            team.invite(
                venue,
                request.user,
                email,
                role,
                lambda token: request.build_absolute_uri(reverse("invitation", args=[token])),
            )
    except OSError:  # smtplib's errors are OSErrors: the server refused or did not answer
        form.add_error(
            None,
            _("L'e-mail n'a pas pu être envoyé : rien n'a été enregistré. Réessayez plus tard."),
        )
        return _members_page(request, venue, form, status=503)
    messages.success(request, _("Invitation envoyée à %(email)s.") % {"email": email})
    return redirect("members", venue.pk)


@venue_view(Role.OWNER, methods=("POST",), scenarios=False)
def invitation_revoke(request: HttpRequest, venue: Venue, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(venue.invitations.pending(), pk=invitation_id)
    team.revoke(venue, invitation)
    messages.success(
        request, _("L'invitation de %(email)s est révoquée.") % {"email": invitation.email}
    )
    return redirect("members", venue.pk)


@venue_view(Role.VIEWER, methods=("GET",))
def venue_journal(request: HttpRequest, venue: Venue) -> HttpResponse:
    """The venue's changes, newest first, a page at a time (two queries whatever their number:
    the count and the page, each entry with its author); each entry rendered once per process
    and language (`journal.Entry`)."""
    page = Paginator(venue.changes.for_display(), JOURNAL_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    entries = [journal.Entry(change) for change in page]
    return render(
        request, "venues/journal.html", {"venue": venue, "page": page, "entries": entries}
    )


# The page an invitation's link opens ------------------------------------------------------


def _invalid(request: HttpRequest) -> HttpResponse:
    """One page, one status, for unknown, used, revoked and expired invitations alike."""
    return render(request, "venues/invitation_invalid.html", status=404)


@require_http_methods(["GET", "POST"])
@throttle.limit_posts(throttle.SIGNUP)
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Signed in: accept (POST) and join. Not signed in: log in and come back, or create an
    account (open even when public sign-up is closed), e-mail filled in, and join at once."""
    found = Invitation.objects.opened_by(token)
    if found is None:
        return _invalid(request)
    form = None
    if request.user.is_authenticated:
        if request.method == "POST":
            return _joined(request, team.accept(token, request.user))
    else:
        form = SignupForm(request.POST or None, initial={"email": found.email})
        if request.method == "POST" and form.is_valid():
            with transaction.atomic():
                user = form.save()
                venue = team.accept(token, user)
                if venue is None:  # revoked or used since the page was shown
                    transaction.set_rollback(True)
                    return _invalid(request)
            login(request, user, backend="accounts.backends.UsernameOrEmailBackend")
            return _joined(request, venue)
    context = {
        "invitation": found,
        "venue_name": found.venue.name,
        "inviter": found.invited_by.get_username() if found.invited_by else "",
        "role": Role(found.role).label,
        "form": form,
    }
    return render(request, "venues/invitation.html", context)


def _joined(request: HttpRequest, venue: Venue | None) -> HttpResponse:
    if venue is None:
        return _invalid(request)
    messages.success(request, _("Bienvenue dans l'équipe de « %(name)s » !") % {"name": venue.name})
    return redirect(venue)
