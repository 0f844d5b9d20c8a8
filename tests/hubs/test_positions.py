"""Consistency tokens and replica states: the arithmetic every routing decision rests on."""

import math

import pytest

from config.hubs.positions import MalformedToken, ReplicaState, format_token, parse_token


@pytest.mark.parametrize("position", [0, 1, 0x3000060, 2**32 - 1, 2**32, 0x1_0000_00A8, 2**64 - 1])
def test_a_token_reads_back_as_its_position(position):
    assert parse_token(format_token(position)) == position


def test_tokens_are_wal_positions_in_hexadecimal():
    assert format_token(0x1_0300_0060) == "103000060"  # PostgreSQL writes it 1/3000060
    assert parse_token("3000060") == 0x3000060
    assert parse_token("16b374d848") == parse_token("16B374D848")


@pytest.mark.parametrize(
    "value",
    ["", "0/3000060", "0x1", "G", "-1", "1 0", "+1", "12345678901234567", "1\n", "１", "1_000"],
)
def test_malformed_tokens_are_refused_by_name(value):
    with pytest.raises(MalformedToken, match="Consistency-Token"):
        parse_token(value)


def test_a_caught_up_standby_has_no_lag():
    state = ReplicaState(standby=True, replayed=500, received=500, replay_age_s=3600.0)
    assert (state.lag_bytes(), state.lag_seconds()) == (0, 0.0)
    assert state.has_replayed(500) and not state.has_replayed(501)


def test_a_standby_behind_lags_by_the_age_of_its_last_replayed_commit():
    state = ReplicaState(standby=True, replayed=500, received=800, replay_age_s=2.5)
    assert state.lag_bytes() == 300
    assert state.lag_bytes(primary=1000) == 500  # measured against the primary's position when known
    assert state.lag_seconds() == 2.5
    assert ReplicaState(True, 500, 800, None).lag_seconds() == math.inf  # nothing replayed since it started


def test_a_server_out_of_recovery_counts_as_caught_up():
    promoted = ReplicaState(standby=False, replayed=900, received=900, replay_age_s=None)
    assert (promoted.lag_bytes(primary=10**6), promoted.lag_seconds(primary=10**6)) == (0, 0.0)
