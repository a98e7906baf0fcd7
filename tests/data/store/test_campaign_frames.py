"""The campaigns and members every page answer shows (CampaignStore.frames): read once and kept, and read again
after any change, whoever made it (this store, another store object, another process)."""

from __future__ import annotations

import multiprocessing

import pandas.testing as pdt

from data.store.campaigns import CampaignStore


def _rename_elsewhere(path, campaign_id):
    CampaignStore(path).rename(campaign_id, name="Renamed elsewhere", who="other")


def test_frames_follow_every_change_and_match_a_fresh_read(tmp_path):
    path = tmp_path / "store.sqlite"
    store, other = CampaignStore(path), CampaignStore(path)
    assert store.frames()[0].empty

    first = store.group(["d1", "d2"], name="Spring", who="a")  # through this store's own writes
    campaigns, members = store.frames()
    assert list(campaigns["name"]) == ["Spring"] and sorted(members["dispatch_id"]) == ["d1", "d2"]
    assert store.frames()[0] is campaigns  # nothing changed: not read again

    other.group(["d3"], name="Summer", who="b")  # another store object (another connection)
    assert list(store.frames()[0]["name"]) == ["Spring", "Summer"]

    process = multiprocessing.get_context("spawn").Process(target=_rename_elsewhere, args=(path, first))
    process.start()
    process.join(60)
    assert process.exitcode == 0
    campaigns, members = store.frames()
    assert list(campaigns["name"]) == ["Renamed elsewhere", "Summer"]
    pdt.assert_frame_equal(campaigns, other.campaigns())
    pdt.assert_frame_equal(members, other.members())


def test_a_store_file_replaced_under_a_running_server_is_read_anew(tmp_path):
    path = tmp_path / "store.sqlite"
    store = CampaignStore(path)
    store.group(["d1"], name="Before", who="a")
    assert list(store.frames()[0]["name"]) == ["Before"]
    backup = tmp_path / "backup" / "store.sqlite"
    CampaignStore(backup).group(["d9"], name="From the backup", who="b")
    backup.replace(path)  # restored from a backup: another file at the same path
    assert list(store.frames()[0]["name"]) == ["From the backup"]
