"""Thin views: the emulator's endpoints hand the request to the gateway or the control module."""

from django.views.decorators.csrf import csrf_exempt

from . import control, gateway


@csrf_exempt
def web_api(request, path=""):
    return gateway.web_api(request, path)


@csrf_exempt
def token(request, tenant):
    return gateway.token(request, tenant)


@csrf_exempt
def control_action(request, action):
    return control.handle(request, action)
