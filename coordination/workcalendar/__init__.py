"""The working-day calendar the administrators keep: every year's holidays and adjusted working
days, the one source of working days for deadlines, reminders, lights and evaluation."""
