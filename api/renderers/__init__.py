"""Response renderers: JSON (orjson) and CSV."""
