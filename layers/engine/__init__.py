"""The one serving engine: every spatial output of the platform goes through here."""
