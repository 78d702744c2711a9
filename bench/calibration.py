"""The calibration page (DESIGN.md section 10): a signed-in page through the whole
middleware stack that renders a tiny template and does nothing else. Its median is what
any signed-in page costs on this machine at this moment (the session and its user are
read, the middleware runs, a template is rendered), so the bench states each page's
budget as a multiple of it.

It is not a page of the product: no URLconf of the product includes it. `bench.urls` (the
product's URLconf plus this page) is the ROOT_URLCONF only inside `manage.py bench`,
which requests it in-process.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

CALIBRATION_PATH = "/bench/calibration/"


@login_required
def calibration(request):
    return render(request, "bench/calibration.html")


urlpatterns = [path(CALIBRATION_PATH.strip("/") + "/", calibration, name="bench-calibration")]
