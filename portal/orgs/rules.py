"""Pure rules of trading centers: the expert fee standard a center publishes (劳务费标准)."""
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class FeeStandard:
    """A center's expert fee standard: `base` yuan for up to `base_hours`, then `extra_hour` per started hour,
    at most `cap` a day (when set)."""

    base: Decimal
    base_hours: int = 4
    extra_hour: Decimal = Decimal(0)
    cap: Decimal | None = None

    def describe(self) -> str:
        text = f"{self.base_hours} 小时以内 {self.base:.0f} 元"
        if self.extra_hour:
            text += f"，超过部分每小时 {self.extra_hour:.0f} 元"
        if self.cap is not None:
            text += f"，每天最高 {self.cap:.0f} 元"
        return text
