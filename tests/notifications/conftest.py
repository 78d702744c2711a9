import pytest


class CeleryBroker:
    """Points the Celery app of the test process at a real broker (publishing for real,
    not eagerly), and back to the suite's inline delivery."""

    KEYS = ("broker_url", "task_always_eager", "broker_transport_options")

    def __init__(self, settings):
        from config.celery import app

        self.app = app
        self.settings = settings
        self.saved = {key: app.conf[key] for key in self.KEYS}

    def use(self, url: str, transport_options: dict | None = None):
        self.settings.CELERY_BROKER_URL = url
        self.settings.CELERY_TASK_ALWAYS_EAGER = False
        self.app.conf.update(broker_url=url, task_always_eager=False,
                             broker_transport_options=transport_options or {})
        self._forget_connections()
        return self.app

    def restore(self):
        self.settings.CELERY_TASK_ALWAYS_EAGER = True
        self.app.conf.update(self.saved)
        self._forget_connections()

    def _forget_connections(self):
        """Make the app build its connection and producer pools again, for the broker now
        configured (kombu keeps one pool per broker URL, so none is closed here)."""
        self.app._pool = None
        amqp = self.app.__dict__.get("amqp")
        if amqp is not None:
            amqp._producer_pool = None


@pytest.fixture
def celery_broker(settings):
    broker = CeleryBroker(settings)
    yield broker
    broker.restore()
