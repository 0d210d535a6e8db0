from django.conf import settings
from django.utils import translation


class ChosenLanguageMiddleware:
    """Bahasa Indonesia unless the person chose English with the switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language; here
    the language is the one chosen in the page (a cookie), else Indonesian, so
    that every colleague in an office sees the same product.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
