from collections.abc import Callable
from typing import Any

class Decoder:
    def __init__(
        self,
        number: Callable[[str], Any],
        other: Callable[[str, Any], Any],
        fallback: Callable[[Any], Any],
        short_ints: bool,
    ) -> None: ...
    def __call__(self, wire: Any, /) -> Any: ...
