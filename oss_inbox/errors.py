"""The app's own error pages (templates/403.html, 404.html, 500.html), in plain words.

- `page_not_found` and `permission_denied` are the URLconf's handler404 and handler403.
- `NotFoundPageMiddleware` answers a view's Http404 with the same 404 page when DEBUG is on too
  (Django would show its debug page), so `make run` says "No ticket #99999" as production does.
- 500.html is rendered by Django's own handler, with no request and no database: it extends nothing.
"""

from django.http import Http404
from django.shortcuts import render

NOT_FOUND = "There is nothing at this address. It may have been mistyped, or what was here is gone."
FORBIDDEN = "You do not have permission to see this page. If you need it, ask an admin."


def get_or_404(queryset, message, **lookup):
    """The one object the lookup finds, or Http404 with `message` ("No ticket #99999") for the page."""
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404(message) from None


def page_not_found(request, exception=None):
    return render(request, "404.html", {"message": _message(exception) or NOT_FOUND}, status=404)


def permission_denied(request, exception=None):
    return render(request, "403.html", {"message": _message(exception) or FORBIDDEN}, status=403)


def _message(exception):
    """The words the code raised with (Http404("No ticket #5")), not a resolver's internals."""
    if exception is not None and exception.args and isinstance(exception.args[0], str):
        return exception.args[0]
    return ""


class NotFoundPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None
