class SSOBackend:
    """Placeholder replaced by the SSO implementation."""

    def authenticate(self, request, **kwargs):
        return None

    def get_user(self, user_id):
        return None
