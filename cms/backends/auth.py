"""The sign-in limits, as the first authentication backend (django-axes)."""

from axes.backends import AxesStandaloneBackend


class SignInLimitBackend(AxesStandaloneBackend):
    """django-axes' check, for sign-ins that come with a request (every web form, the admin's
    included). Without a request there is no client to limit (management commands, the shell):
    axes would refuse those outright, this lets the next backend decide."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
