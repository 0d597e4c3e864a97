"""Training and calibrating the extractive reader that qa/reader.py ships (never run by make)."""
