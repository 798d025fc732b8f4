from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin


class FrenchFirstLocaleMiddleware(MiddlewareMixin):
    """French unless the user chose another language (the language switcher's cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; our users are
    French associations whose browsers are not always set to French, and amounts must read
    the same for everyone of a venue (`1 700,00 €`).
    """

    def process_request(self, request: HttpRequest) -> None:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language

    def process_response(self, request, response):
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
