"""The execution's seeded random source: SplitMix64, whose whole state is one integer.

Because the state is a plain int it can be recorded in the log and restored when a branch
continues from event N; `random.Random` would hide it in an opaque tuple.
"""

from __future__ import annotations

_MASK = (1 << 64) - 1


class SeededRandom:
    __slots__ = ("state",)

    def __init__(self, seed: int) -> None:
        self.state = seed & _MASK

    def next64(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & _MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    def random(self) -> float:
        """A float in [0, 1)."""
        return (self.next64() >> 11) * (1.0 / (1 << 53))

    def randint(self, low: int, high: int) -> int:
        """An int in [low, high], both ends included."""
        return low + self.next64() % (high - low + 1)

    def uuid(self) -> str:
        """A version-4 UUID text drawn from this generator."""
        value = (self.next64() << 64) | self.next64()
        value = (value & ~(0xF << 76)) | (0x4 << 76)  # version 4
        value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
        h = f"{value:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
