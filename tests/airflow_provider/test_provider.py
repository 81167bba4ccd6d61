"""Airflow finds the provider through its entry point: the `anaplan` connection type, its form
(secret fields masked), the hook, and the serialized trigger path."""

from __future__ import annotations

from pyanaplan.airflow.connection import EXTRA_KEYS


def test_airflow_lists_the_provider_and_its_connection_type() -> None:
    from airflow.providers_manager import ProvidersManager
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    manager = ProvidersManager()  # what the API server builds the connection form from
    info = manager.providers["pyanaplan"]
    assert info.data["package-name"] == "pyanaplan"
    hook = ProvidersManagerTaskRuntime().hooks["anaplan"]  # what tasks resolve hooks with
    assert hook is not None
    assert hook.hook_class_name == "pyanaplan.airflow.hooks.AnaplanHook"
    assert hook.connection_id_attribute_name == "anaplan_conn_id"
    widgets = {
        key.removeprefix("extra__anaplan__"): widget
        for key, widget in manager.connection_form_widgets.items()
        if key.startswith("extra__anaplan__")
    }
    assert set(widgets) == EXTRA_KEYS
    assert {k for k, w in widgets.items() if w.is_sensitive} == {
        "certificate", "private_key", "key_password", "refresh_token", "proxy",
    }  # fmt: skip
    behaviour = manager.field_behaviours["anaplan"]
    assert set(behaviour["hidden_fields"]) == {"host", "schema", "port"}


def test_every_listed_module_imports() -> None:
    import importlib

    from pyanaplan.airflow import get_provider_info

    info = get_provider_info()
    for section in ("hooks", "operators", "sensors", "triggers"):
        for entry in info[section]:
            for module in entry["python-modules"]:
                importlib.import_module(module)
