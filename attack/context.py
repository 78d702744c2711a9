"""What every class of cases works with: the served portal, the world, signed-in browsers
and the API description."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .client import Browser
from .summary import Summary
from .world import World


@dataclass
class Context:
    base_url: str
    world: World
    summary: Summary
    short: bool
    schema: dict = field(default_factory=dict)
    browsers: dict[str, Browser] = field(default_factory=dict)

    def browser(self, actor_name: str) -> Browser:
        """The actor's signed-in browser (signed in again when the session was lost)."""
        actor = self.world.actors[actor_name]
        browser = self.browsers.get(actor_name)
        if browser is None:
            browser = Browser(self.base_url, token=actor.token)
            browser.sign_in(actor.email, actor.password, actor.totp_secret)
            self.browsers[actor_name] = browser
        return browser

    def fresh_browser(self, actor_name: str) -> Browser:
        self.browsers.pop(actor_name, None)
        return self.browser(actor_name)

    @property
    def customers(self) -> list[str]:
        return [name for name, actor in self.world.actors.items() if actor.tenant]

    def strangers(self, actor_name: str) -> list:
        """The other tenants to try `actor_name` against: all of them, or in a short run
        one, a different one for each person."""
        actor = self.world.actors[actor_name]
        strangers = self.world.strangers(actor)
        if not self.short:
            return strangers
        index = list(self.world.actors).index(actor_name)
        return [strangers[index % len(strangers)]]

    def for_each(self, names: list[str], work: Callable[[str], object]) -> list:
        """`work(name)` for each person, side by side (each with their own browser)."""
        for name in names:
            self.browser(name)  # signed in first, one at a time
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(work, names))

    def bound(self, items: list, short: int, full: int | None = None) -> list:
        limit = short if self.short else full
        return items if limit is None else items[:limit]
