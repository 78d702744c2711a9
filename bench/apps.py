from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark (`make bench`, DESIGN.md section 10): its data set, its measurements
    and the calibration page they are measured against. It may import the product's apps;
    none of them imports it."""

    name = "bench"
    verbose_name = "Benchmark"
