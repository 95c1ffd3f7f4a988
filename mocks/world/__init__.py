"""The synthetic world the registries answer from: population, households, places, facts,
their timelines and the clock's changes. Deterministic from a seed; knows nothing of HTTP.
"""
