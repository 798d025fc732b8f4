"""The team that runs a venue: its members and their roles, the invitations its owners send,
and the rule that a venue always keeps at least one owner.

Every change here runs inside the venue's lock: the members' pages write through `venue_view`
(venues/access.py), and `accept`, which a person who is not a member yet calls, takes the same
lock itself, the venue's row first. Each rule is checked against the rows read after the lock,
so two owners demoting each other at the same moment cannot leave the venue without an owner:
the second one's check sees the first one's change. Each change is recorded in the venue's
journal (venues/journal.py) in the same transaction.
"""

import datetime
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import journal
from .models import Change, Invitation, Membership, Role, Venue


class Refused(Exception):
    """A change the team's rules refuse; its message says why, in the user's language."""


def members(venue: Venue) -> list[Membership]:
    """The venue's members with their accounts (one query), owners first, then by name."""
    memberships = venue.memberships.select_related("user")
    return sorted(memberships, key=lambda m: (-Role(m.role).rank, m.user.get_username().lower()))


def _is_last_owner(membership: Membership) -> bool:
    return (
        membership.role == Role.OWNER
        and not Membership.objects.filter(venue_id=membership.venue_id, role=Role.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    )


def _record_role(venue: Venue, membership: Membership, action: str, before: str, after: str):
    journal.record(
        venue,
        membership,
        action,
        before={"role": before} if before else None,
        after={"role": after} if after else None,
        label=membership.user.get_username(),
    )


def set_role(venue: Venue, membership: Membership, role: str) -> None:
    """Give `membership` the role `role`; refused if it would leave the venue without an owner."""
    role = Role(role)
    if role != Role.OWNER and _is_last_owner(membership):
        raise Refused(
            _(
                "%(name)s est le dernier propriétaire du lieu : donnez d'abord le rôle de "
                "propriétaire à quelqu'un d'autre."
            )
            % {"name": membership.user.get_username()}
        )
    before = membership.role
    if before == role:
        return
    membership.role = role
    membership.save(update_fields=["role"])
    _record_role(venue, membership, Change.Action.CHANGED, before, role)


def remove(venue: Venue, membership: Membership) -> None:
    """Take the venue away from `membership`'s user; refused for the last owner."""
    if _is_last_owner(membership):
        raise Refused(
            _("%(name)s est le dernier propriétaire du lieu : son accès ne peut pas être retiré.")
            % {"name": membership.user.get_username()}
        )
    _record_role(venue, membership, Change.Action.DELETED, membership.role, "")
    membership.delete()


def leave(venue: Venue, membership: Membership) -> None:
    """The member leaves the venue; refused for its last owner."""
    if _is_last_owner(membership):
        raise Refused(
            _(
                "Vous êtes le dernier propriétaire du lieu : donnez d'abord le rôle de "
                "propriétaire à quelqu'un d'autre, ou supprimez le lieu."
            )
        )
    _record_role(venue, membership, Change.Action.LEFT, membership.role, "")
    membership.delete()


def transfer(venue: Venue, owner: Membership, successor: Membership) -> None:
    """`successor` becomes an owner and `owner` an editor."""
    if owner.pk == successor.pk:
        raise Refused(_("Vous êtes déjà propriétaire du lieu."))
    set_role(venue, successor, Role.OWNER)
    set_role(venue, owner, Role.EDITOR)


# Invitations ------------------------------------------------------------------------------


def invitations_left(venue: Venue) -> int:
    """How many invitations the venue's owners may still send in the current window."""
    since = timezone.now() - datetime.timedelta(minutes=settings.INVITATION_WINDOW_MINUTES)
    sent = venue.invitations.filter(created_at__gte=since).count()
    return max(0, settings.INVITATION_LIMIT - sent)


def pending_invitations(venue: Venue) -> list[Invitation]:
    return list(venue.invitations.pending().select_related("invited_by"))


def invite(
    venue: Venue, inviter: AbstractBaseUser, email: str, role: str, link: Callable[[str], str]
) -> Invitation:
    """Store an invitation and e-mail its link (`link(token)`), in the caller's transaction:
    if the e-mail cannot be sent, nothing is stored (the caller says so)."""
    invitation = Invitation(venue=venue, email=email, role=role, invited_by=inviter)
    token = invitation.new_token()
    invitation.save()
    journal.record(
        venue, invitation, Change.Action.INVITED, after=journal.snapshot(invitation, ["role"])
    )
    send_invitation(invitation, link(token))
    return invitation


def revoke(venue: Venue, invitation: Invitation) -> None:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    journal.record(venue, invitation, Change.Action.REVOKED)


def send_invitation(invitation: Invitation, url: str) -> None:
    """The invitation's e-mail: French first, English beneath, as plain text and as HTML (the
    HTML escaped by the templates' autoescaping; the subject on one line)."""
    context = {
        "venue": invitation.venue.name,
        "inviter": invitation.invited_by.get_username() if invitation.invited_by else "",
        "url": url,
        "days": (invitation.expires_at - invitation.created_at).days,
    }
    parts = {}
    for language in ("fr", "en"):
        with translation.override(language):
            context["role"] = str(Role(invitation.role).label)
            parts[language] = {
                "subject": render_to_string("venues/email/invitation_subject.txt", context),
                "text": render_to_string("venues/email/invitation.txt", context),
                "html": render_to_string("venues/email/invitation.html", context),
            }
    subject = " ".join(f"{parts['fr']['subject']} / {parts['en']['subject']}".split())
    separator = "\n\n" + "—" * 30 + "\n\n"
    message = EmailMultiAlternatives(
        subject=subject[:200],
        body=parts["fr"]["text"].strip() + separator + parts["en"]["text"].strip() + "\n",
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string(
            "venues/email/invitation_document.html",
            {"fr": parts["fr"]["html"], "en": parts["en"]["html"]},
        ),
        "text/html",
    )
    message.send()


def accept(token: str, user: AbstractBaseUser) -> Venue | None:
    """`user` accepts the invitation `token` opens: joins its venue with its role, or keeps a
    higher role they already have (an owner is never demoted), and the invitation is used up.
    None if the token opens no pending invitation (unknown, used, revoked or expired alike)."""
    found = Invitation.objects.opened_by(token)
    if found is None:
        return None
    with transaction.atomic(), journal.acting(user):
        # The venue's lock first, as venue_view takes it; then the invitation, re-read.
        venue = Venue.objects.select_for_update(of=("self",)).get(pk=found.venue_id)
        invitation = Invitation.objects.pending().select_for_update().filter(pk=found.pk).first()
        if invitation is None:
            return None
        membership = Membership.objects.filter(venue=venue, user=user).select_related("user")
        membership = membership.first()
        if membership is None:
            membership = Membership.objects.create(venue=venue, user=user, role=invitation.role)
            _record_role(venue, membership, Change.Action.JOINED, "", invitation.role)
        elif Role(invitation.role).rank > Role(membership.role).rank:
            set_role(venue, membership, invitation.role)
        invitation.accepted_at, invitation.accepted_by = timezone.now(), user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return venue
