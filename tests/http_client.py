"""An HttpClient for tests: sleeps are recorded, not slept, and jitter is fixed (so waits can be asserted)."""

from __future__ import annotations

from caspian_etl.core.http import HostThrottle, HttpClient, HttpPolicy


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(policy: HttpPolicy | None = None, *, source: str = "testsrc", **kw) -> tuple[HttpClient, Sleeps]:
    sleeps = Sleeps()
    policy = policy or HttpPolicy(max_attempts=4, backoff_base=1.0, jitter=0.5, min_interval=0)
    http = HttpClient(source, policy, sleep=sleeps, rng=lambda: 0.5, throttle=HostThrottle(sleep=sleeps), **kw)
    return http, sleeps
