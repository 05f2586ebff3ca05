"""Simplified and Traditional reading: variant URLs and converted output."""
