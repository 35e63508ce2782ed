from oauth2_provider.oauth2_validators import OAuth2Validator


class Validator(OAuth2Validator):
    """Standard claims from the provider's user table (sub stays the default: the user's pk)."""

    def get_additional_claims(self, request):
        user = request.user
        return {
            "preferred_username": user.username,
            "name": f"{user.last_name}{user.first_name}",
            "email": user.email,
            "email_verified": True,
            "phone_number": "13800000000",
        }
