"""The response to a locked-out login (django-axes' AXES_LOCKOUT_CALLABLE).

django-axes renders AXES_LOCKOUT_TEMPLATE with AXES_HTTP_RESPONSE_CODE itself, but sends no
`Retry-After`. This does the same and adds it. Every failed attempt while locked out starts the
cool-off again (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so the wait from this response
on is the whole cool-off.

The page names neither the username nor whether such an account exists.
"""

import math

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


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


def client_address(request: HttpRequest) -> str | None:
    """The address logins and share links are throttled by (AXES_CLIENT_IP_CALLABLE).

    The connection's address; behind TIERSLIEUX_PROXY_COUNT trusted proxies, the address the
    outermost of them appended to X-Forwarded-For. What a client writes in that header itself
    sits further left and is never used: a spoofed header cannot dodge the throttling.
    """
    count = settings.TIERSLIEUX_PROXY_COUNT
    if count:
        hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
        if len(hops) >= count and hops[-count]:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")
