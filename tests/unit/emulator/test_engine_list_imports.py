"""List imports: create/update by name or code, parents, properties, ignored rows and dumps."""

from __future__ import annotations

from engine_harness import EngineHarness

from pyanaplan.emulator.spec import ModelSpec

REGIONS_IMPORT = "112000000001"
PRODUCTS_IMPORT = "112000000002"
REGIONS_FILE = "113000000001"
PRODUCTS_FILE = "113000000002"


def _values(outcome_detail: dict) -> dict[str, str]:
    values = outcome_detail["values"]
    return dict(zip(values[::2], values[1::2], strict=True))


def test_default_regions_content_updates_all_eight(engine: EngineHarness) -> None:
    outcome = engine.run(REGIONS_IMPORT)
    assert outcome.successful is True
    assert outcome.failure_dump_available is False
    assert outcome.current_step == "Complete."
    (detail,) = outcome.details
    assert detail["type"] == "hierarchyRowsProcessed"
    assert detail["localMessageText"] == "Regions: 8 (0/8) rows successful, 0 ignored "
    assert detail["occurrences"] == 0
    assert detail["values"][:2] == ["hierarchyName", "Regions"]
    values = _values(detail)
    assert values["successRowCount"] == "8"
    assert values["successCreateCount"] == "0"
    assert values["successUpdateCount"] == "8"
    assert values["failedCount"] == "0"
    assert values["totalRowCount"] == "8"
    assert REGIONS_IMPORT not in engine.dumps


def test_products_import_creates_new_items_with_parent_code_and_status(
    engine: EngineHarness,
) -> None:
    outcome = engine.run(PRODUCTS_IMPORT)
    assert outcome.successful is True
    values = _values(outcome.details[0])
    assert (values["successCreateCount"], values["successUpdateCount"]) == ("2", "20")
    items = {name: (code, parent) for name, code, parent in engine.items("Products")}
    assert items["Gravel Bike 250"] == ("P-1007", "Bikes")
    assert items["Bike Lock"] == ("P-4006", "Accessories")
    assert len(items) == 22
    assert engine.item_property("Products", "Bike Lock", "Status") == "Active"


def test_invalid_parent_fails_the_row_and_writes_the_dump(engine: EngineHarness) -> None:
    engine.upload(
        PRODUCTS_FILE,
        "Name,Code,Parent,Status\n"
        "Trail Bike 700,P-1008,Bikes,Active\n"
        "Scooter,P-9001,Scooters,Active\n"
        'Kick "Pro" Scooter,P-9002,Scooters,Active\n',
    )
    outcome = engine.run(PRODUCTS_IMPORT)
    assert outcome.successful is False
    assert outcome.failure_dump_available is True
    assert outcome.current_step == "Complete."
    assert outcome.details[0]["localMessageText"] == (
        "Products: 1 (1/0) rows successful, 2 failed, 0 ignored "
    )
    assert _values(outcome.details[0])["failedCount"] == "2"
    assert engine.dumps[PRODUCTS_IMPORT].decode() == (
        '"_Status_","Name","Code","Parent","Status","_Line_","_Error_1_"\n'
        '"E","Scooter","P-9001","Scooters","Active","3","Invalid parent"\n'
        '"E","Kick ""Pro"" Scooter","P-9002","Scooters","Active","4","Invalid parent"\n'
    )
    names = [name for name, _, _ in engine.items("Products")]
    assert "Trail Bike 700" in names and "Scooter" not in names


def test_parent_may_be_given_by_code_and_blank_parent_is_top_level(engine: EngineHarness) -> None:
    engine.upload(
        PRODUCTS_FILE, "Name,Code,Parent,Status\nTube,P-2010,FAM-CP,Active\nGift Card,P-9999,,\n"
    )
    assert engine.run(PRODUCTS_IMPORT).successful
    items = {name: parent for name, _, parent in engine.items("Products")}
    assert items["Tube"] == "Components"
    assert items["Gift Card"] is None


def test_rows_without_name_or_code_are_ignored(engine: EngineHarness) -> None:
    engine.upload(REGIONS_FILE, "Name,Code\nArctic,ARC\n,\n\nJapan,JPN\n")
    outcome = engine.run(REGIONS_IMPORT)
    assert outcome.successful is True
    values = _values(outcome.details[0])
    assert (values["successRowCount"], values["ignoredCount"], values["totalRowCount"]) == (
        "2",
        "2",
        "4",
    )
    assert outcome.details[0]["localMessageText"] == "Regions: 2 (1/1) rows successful, 2 ignored "


def test_a_known_code_renames_the_item(engine: EngineHarness) -> None:
    engine.upload(REGIONS_FILE, "Name,Code\nNorth America & Caribbean,NAM\n")
    outcome = engine.run(REGIONS_IMPORT)
    assert outcome.successful is True
    names = [name for name, _, _ in engine.items("Regions")]
    assert names[0] == "North America & Caribbean"
    assert "North America" not in names and len(names) == 8


def test_code_only_row_updates_the_item_with_that_code(engine: EngineHarness) -> None:
    engine.upload(PRODUCTS_FILE, "Name,Code,Parent,Status\n,P-1001,Bikes,Discontinued\n,P-0000,,\n")
    outcome = engine.run(PRODUCTS_IMPORT)
    assert engine.item_property("Products", "Road Bike 200", "Status") == "Discontinued"
    assert outcome.successful is False
    assert b"No item with code P-0000" in engine.dumps[PRODUCTS_IMPORT]


def test_name_clash_fails_only_that_row(engine: EngineHarness) -> None:
    # "Japan" exists with code JPN; giving it code NAM (taken by North America) must fail alone.
    engine.upload(REGIONS_FILE, "Name,Code\nArctic,ARC\nJapan,NAM\nAntarctica,ANT\n")
    outcome = engine.run(REGIONS_IMPORT)
    assert outcome.successful is False
    values = _values(outcome.details[0])
    assert (values["successRowCount"], values["failedCount"]) == ("2", "1")
    dump = engine.dumps[REGIONS_IMPORT].decode().splitlines()
    assert dump[1] == '"E","Japan","NAM","3","Name or code already used by another item"'
    regions = {name: code for name, code, _ in engine.items("Regions")}
    assert regions["Japan"] == "JPN"
    assert regions["Arctic"] == "ARC" and regions["Antarctica"] == "ANT"


def test_properties_merge_and_other_items_keep_theirs(engine: EngineHarness) -> None:
    engine.upload(
        PRODUCTS_FILE, "Name,Code,Parent,Status\nHelmet,P-4001,Accessories,Discontinued\n"
    )
    engine.run(PRODUCTS_IMPORT)
    assert engine.item_property("Products", "Helmet", "Status") == "Discontinued"
    assert engine.item_property("Products", "Front Light", "Status") == "Active"


def test_undecodable_row_fails_with_encoding_error(engine: EngineHarness) -> None:
    engine.upload(REGIONS_FILE, b"Name,Code\nArctic,ARC\nCaf\xe9 Region,CAF\n")
    outcome = engine.run(REGIONS_IMPORT)
    assert outcome.successful is False
    dump = engine.dumps[REGIONS_IMPORT].decode("utf-8").splitlines()
    assert dump[1] == (
        '"E","Caf\ufffd Region","CAF","3","Invalid character data for encoding UTF-8"'
    )
    assert "Arctic" in [name for name, _, _ in engine.items("Regions")]


def test_missing_mapped_column_fails_the_whole_import(engine: EngineHarness) -> None:
    engine.upload(REGIONS_FILE, "Region,Code\nArctic,ARC\n")
    outcome = engine.run(REGIONS_IMPORT)
    assert outcome.successful is False
    assert outcome.current_step == "Failed."
    assert outcome.failure_dump_available is False
    assert outcome.details[0]["localMessageText"] == (
        "Column 'Name' not found in the header of Regions.csv"
    )
    assert "Arctic" not in [name for name, _, _ in engine.items("Regions")]


def test_no_content_fails_the_whole_import(engine: EngineHarness) -> None:
    engine.upload(REGIONS_FILE, b"")
    engine.uploads.clear()
    engine.model = _without_default(engine)
    outcome = engine.run(REGIONS_IMPORT)
    assert outcome.current_step == "Failed."
    assert outcome.details[0]["localMessageText"] == (
        "File Regions.csv (113000000001) has no content: upload it first"
    )


def test_empty_upload_fails_the_whole_import(engine: EngineHarness) -> None:
    engine.upload(REGIONS_FILE, b"")
    outcome = engine.run(REGIONS_IMPORT)
    assert outcome.current_step == "Failed."
    assert outcome.details[0]["localMessageText"] == (
        "Regions.csv has no header row (expected on line 1)"
    )


def test_header_only_file_succeeds_with_no_rows(engine: EngineHarness) -> None:
    engine.upload(REGIONS_FILE, b"Name,Code\n")
    outcome = engine.run(REGIONS_IMPORT)
    assert outcome.successful is True
    assert outcome.details[0]["localMessageText"] == "Regions: 0 (0/0) rows successful, 0 ignored "


def _without_default(engine: EngineHarness) -> ModelSpec:
    files = tuple(
        f.model_copy(update={"default_content": None}) if f.id == REGIONS_FILE else f
        for f in engine.model.files
    )
    return engine.model.model_copy(update={"files": files})


def test_a_clean_rerun_reports_updates_only(engine: EngineHarness) -> None:
    engine.run(PRODUCTS_IMPORT)
    values = _values(engine.run(PRODUCTS_IMPORT).details[0])
    assert (values["successCreateCount"], values["successUpdateCount"]) == ("0", "22")


def test_progress_is_reported_for_large_files(engine: EngineHarness) -> None:
    rows = "".join(f"Region {i},R{i}\n" for i in range(25_000))
    engine.upload(REGIONS_FILE, "Name,Code\n" + rows)
    outcome = engine.run(REGIONS_IMPORT)
    assert _values(outcome.details[0])["successCreateCount"] == "25000"
    fractions = [f for f, step in engine.progress if step == "Processing ..."]
    assert len(fractions) >= 3
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
