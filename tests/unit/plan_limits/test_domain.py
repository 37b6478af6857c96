"""The sentence a refused user reads, from the figures alone."""
from __future__ import annotations

from plan_limits.domain import Plan, Quota

CREATOR = Plan("creator", 15, "pro")


def test_at_the_limit_the_user_reads_n_of_n_and_how_to_upgrade():
    assert Quota("ana", CREATOR, used=15, reserved=0).denial() == (
        "You're using 15 of 15 connected accounts on the Creator plan. "
        "Upgrade to Pro to connect more, or disconnect an account you no longer use.")


def test_connects_in_progress_are_named_in_the_sentence():
    assert Quota("ana", CREATOR, used=13, reserved=2).denial().startswith(
        "You're using 15 of 15 connected accounts on the Creator plan (counting 2 being connected right now). ")


def test_over_the_limit_after_a_downgrade_the_user_reads_both_figures():
    assert Quota("ana", CREATOR, used=20, reserved=0).denial().startswith(
        "You have 20 connected accounts and the Creator plan allows 15. ")


def test_a_plan_with_no_upgrade_suggests_disconnecting():
    assert Quota("ana", Plan("team", 50, None), used=50, reserved=0).denial().endswith(
        "Disconnect an account you no longer use to connect another.")


def test_a_place_is_available_below_the_limit_and_always_without_one():
    assert Quota("ana", CREATOR, used=14, reserved=0).available
    assert not Quota("ana", CREATOR, used=14, reserved=1).available
    assert Quota("ana", Plan("pro", None, None), used=10_000, reserved=50).available
