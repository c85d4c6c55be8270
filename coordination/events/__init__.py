"""The core that joint meetings and high-level visits share: the people invited (attendees), their
invitations, updates and cancellations (iTIP REQUEST/CANCEL with a rising SEQUENCE), their RSVP
answers, the calendar entries, and turning what was agreed into tasks. `meetings` and `visits`
specialise it; they import this package, never each other."""
