"""Metronome's API: one thin handler module per resource (parse -> store -> serialise)."""
