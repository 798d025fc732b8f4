"""Login throttling with django-axes: who is locked out (`LoginFailures`), the response they
get (`lockout_response`), and the client address that every throttle counts by
(`client_address`).

django-axes renders AXES_LOCKOUT_TEMPLATE with AXES_HTTP_RESPONSE_CODE itself, but sends no
`Retry-After`: `lockout_response` does the same and adds it. Every failed attempt while locked
out starts the cool-off again (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so the wait from
that response on is at most the whole cool-off (exactly it for a username; an address may be
let in earlier, as its older failures leave the cool-off).

The page names neither the username nor whether such an account exists.
"""

import ipaddress
import math
import re

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginFailures(AxesDatabaseHandler):
    """django-axes' database handler (AXES_HANDLER), with a second limit per address.

    django-axes locks a username at one address after AXES_FAILURE_LIMIT failures
    (AXES_LOCKOUT_PARAMETERS). An address trying many usernames a few times each never reaches
    that: it is also locked once its failures, all usernames together, reach
    LOGIN_ADDRESS_FAILURE_LIMIT within the cool-off. django-axes' own parameter groups cannot
    say this: it compares the largest count of all groups with one limit, so an
    `"ip_address"` group would lock the address at 5 failures (a whole office behind one NAT),
    and AXES_RESET_ON_SUCCESS would wipe the address's failures whenever anyone there logs in.
    Here the address's count comes from the same AccessAttempt rows, in the one query that
    counts the username's, and a successful login resets only that username's failures.
    """

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """The failures counted against AXES_FAILURE_LIMIT: this username's at this address,
        or the whole limit once the address has reached its own."""
        username = get_client_username(request, credentials)
        counts = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address,
            attempt_time__gte=get_cool_off_threshold(request),
        ).aggregate(
            address=Coalesce(Sum("failures_since_start"), 0),
            username=Coalesce(Sum("failures_since_start", filter=Q(username=username)), 0),
        )
        if counts["address"] >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(counts["username"], get_failure_limit(request, credentials))
        return counts["username"]


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    cool_off = get_cool_off(request)
    seconds = math.ceil(cool_off.total_seconds()) if cool_off else None
    response = render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        {"retry_after_minutes": math.ceil(seconds / 60) if seconds else None},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


# A chain of forwarding proxies fits in far less (each hop is 45 characters at most); a longer
# header is not one any proxy of ours wrote.
MAX_FORWARDED_LENGTH = 1024
# A bracketed IPv6 address, with or without a port, as proxies write it. ASCII digits only.
_BRACKETED = re.compile(r"\[([^\]]*)\](?::[0-9]{1,5})?")
_PORT = re.compile(r"[0-9]{1,5}")


def parse_address(value: str | None) -> str | None:
    """`value` as one normalised IP address, or None if it is not one.

    Accepts `203.0.113.9`, `203.0.113.9:4711`, `2001:db8::1`, `[2001:db8::1]` and
    `[2001:db8::1]:443`. An IPv4 address written as IPv6 (`::ffff:203.0.113.9`) counts as the
    IPv4 address, and IPv6 comes out lower-cased and compressed, so that one client is one
    counter. Refused: anything else, IPv6 zones (`::1%eth0`: meaningless for a remote client,
    and a way to write one address many ways) and digits of other scripts.
    """
    if not value or len(value) > 64 or not value.isascii():
        return None
    host = value.strip(" \t")
    if host.startswith("["):
        if (match := _BRACKETED.fullmatch(host)) is None:
            return None
        host = match[1]
    elif host.count(":") == 1:  # IPv4 with a port (IPv6 has at least two colons)
        host, _, port = host.partition(":")
        if not _PORT.fullmatch(port):
            return None
    if "%" in host:
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def client_address(request: HttpRequest) -> str | None:
    """The address logins, sign-ups, password resets and share links are throttled by
    (AXES_CLIENT_IP_CALLABLE): a normalised IP address, or None when the server gave none.

    The connection's address; behind TIERSLIEUX_PROXY_COUNT trusted proxies, the address the
    outermost of them appended to X-Forwarded-For. What a client writes in that header itself
    sits further left and is never used: a spoofed header cannot dodge the throttling.

    A header that is too long, too short for the proxies configured, or whose entry at that
    place is not an IP address was not written by our proxies as we expect (or the proxy count
    is wrong): the connection's address (the proxy's) counts instead. Such clients then share
    one counter with everyone else who sends garbage, which throttles them sooner, never later;
    nothing unparsed ever reaches a throttling table, and no header causes an error.
    """
    remote = parse_address(request.META.get("REMOTE_ADDR"))
    count = settings.TIERSLIEUX_PROXY_COUNT
    if not count:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if len(forwarded) > MAX_FORWARDED_LENGTH:
        return remote
    hops = forwarded.split(",")
    if len(hops) < count:
        return remote
    return parse_address(hops[-count]) or remote
