"""Systematic reviews: projects, searches, screening with priority and stopping, agreement,
the PRISMA 2020 flow, and the exchange of decisions with other tools."""
