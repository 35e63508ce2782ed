from cpahub.core.context import address_var, new_request_id, request_id_var, user_var


def client_address(request) -> str:
    from ipware import get_client_ip

    address, _routable = get_client_ip(request)
    return address or request.META.get("REMOTE_ADDR", "")


class RequestIdMiddleware:
    """Give every request an id (or keep the proxy's X-Request-ID) and echo it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if incoming.isalnum() and 8 <= len(incoming) <= 64 else new_request_id()
        request.request_id = rid
        rid_token = request_id_var.set(rid)
        addr_token = address_var.set(client_address(request))
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(rid_token)
            address_var.reset(addr_token)
        response["X-Request-ID"] = rid
        return response


class CurrentUserMiddleware:
    """Expose the authenticated user to the change log without passing it through every call."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = user_var.set(request.user)
        try:
            return self.get_response(request)
        finally:
            user_var.reset(token)
