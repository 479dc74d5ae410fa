"""robots.txt: fetched and kept in the snapshot; a disallowed path is never fetched.

Per RFC 9309: a robots.txt that answers 4xx means no rules (everything allowed); one that cannot be fetched
(5xx, network) means everything is disallowed for this run.
"""

from __future__ import annotations

from urllib.robotparser import RobotFileParser

AGENT = "caspian-etl"


class Robots:
    def __init__(self, body: bytes | None, *, allow_all: bool = False, disallow_all: bool = False) -> None:
        self._parser = RobotFileParser()
        self.allow_all, self.disallow_all = allow_all, disallow_all
        if body is not None:
            self._parser.parse(body.decode("utf-8", "replace").splitlines())

    @classmethod
    def unavailable(cls) -> Robots:
        return cls(None, disallow_all=True)

    @classmethod
    def no_rules(cls) -> Robots:
        return cls(None, allow_all=True)

    def allows(self, url: str) -> bool:
        if self.disallow_all:
            return False
        if self.allow_all:
            return True
        return self._parser.can_fetch(AGENT, url)

    def crawl_delay(self) -> float | None:
        if self.allow_all or self.disallow_all:
            return None
        delay = self._parser.crawl_delay(AGENT)
        return float(delay) if delay is not None else None
