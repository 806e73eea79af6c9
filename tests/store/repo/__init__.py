"""Tests of evidencehub.store.repo."""
