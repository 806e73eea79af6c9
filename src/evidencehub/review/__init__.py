"""Systematic reviews: projects, searches, screening decisions, priority, PRISMA counts."""
