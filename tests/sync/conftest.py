"""Test setup for the sync layer: support modules get pytest's assertion rewriting too."""

import pytest

pytest.register_assert_rewrite("supabase_support", "test_local_support", "test_engine_support")
