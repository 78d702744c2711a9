"""The bench's URLconf: the product's own, plus the calibration page. Only `manage.py
bench` uses it (in-process, through an override of ROOT_URLCONF); the product is served
with `config.urls`, which does not include it."""

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as product_urlpatterns

from .calibration import urlpatterns as calibration_urlpatterns

urlpatterns = [*calibration_urlpatterns, *product_urlpatterns]
