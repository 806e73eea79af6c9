"""Systematic reviews: screening, agreement, prioritisation and the PRISMA 2020 flow."""
