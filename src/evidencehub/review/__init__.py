"""Systematic reviews: screening, priority, stopping, simulation, PRISMA counts."""
