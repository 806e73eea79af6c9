"""Tests of evidencehub.store (a package, so test module names cannot clash with other tests)."""
