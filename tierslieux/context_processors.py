from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    return {"allow_signup": settings.ALLOW_SIGNUP, "site_name": settings.TIERSLIEUX_SITE_NAME}
