"""Domain events: operations send them, the packages that must react subscribe in their own
module (as Indico's do), so lower layers never import the higher ones that follow them.
Receivers run inside the sender's transaction."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the year (int) whose working-day arrangement was confirmed or changed.
calendar_changed = _signals.signal("calendar-changed")
