"""A local Anaplan: auth service, OAuth, Integration API v2 bulk and a small model engine."""

from pyanaplan.emulator.app import create_app
from pyanaplan.emulator.server import Emulator, serve
from pyanaplan.emulator.settings import EmulatorSettings
from pyanaplan.emulator.spec import load_spec

__all__ = ["Emulator", "EmulatorSettings", "create_app", "load_spec", "serve"]
