"""A ``sys.meta_path`` finder that builds stand-in modules from a table of names.

Each stand-in module (``airflow.operators.python``, ``pendulum`` …) is made by
:class:`AliasFinder` from a :class:`ModuleRecipe`: a map from the names it offers to
``"tradewind.module:attribute"`` targets, imported on first use (PEP 562). So
``from airflow.models import DAG`` gives Tradewind's own ``DAG`` class, the very same object,
and imports nothing else.

A module or name that the table does not offer fails at the import line with one
:class:`UnsupportedImportError` that names it, says that Tradewind does not support it and,
where there is one, what to use instead. Read as an attribute instead (``hasattr``,
``getattr(module, name, default)``, ``module.name``), the same message comes as an
:class:`UnsupportedAttributeError`, so feature checks keep working.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import opcode
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType, ModuleType
from typing import Any

from tradewind.errors import TradewindError

__all__ = [
    "AliasFinder",
    "ModuleRecipe",
    "UnsupportedAttributeError",
    "UnsupportedImportError",
    "UnsupportedModuleError",
    "load_target",
]


class UnsupportedImportError(TradewindError, ImportError):
    """A DAG file imports a name that Tradewind's stand-in modules do not provide."""


class UnsupportedModuleError(UnsupportedImportError, ModuleNotFoundError):
    """A DAG file imports a module that Tradewind's stand-in modules do not provide."""


class UnsupportedAttributeError(TradewindError, AttributeError):
    """Code reads (``getattr``, ``hasattr``, ``module.name``) a name Tradewind does not provide."""


_IMPORT_OPCODES = frozenset({opcode.opmap["IMPORT_FROM"], opcode.opmap["IMPORT_NAME"]})


def _looked_up_by_import(frame: FrameType | None) -> bool:
    """Whether a module attribute lookup comes from an import (``from m import name``).

    ``from m import name`` asks the module for ``name`` from the importing frame, at an
    ``IMPORT_FROM`` instruction; ``from package import submodule`` asks from importlib's own
    frames. Anything else (``hasattr``, ``getattr``, ``m.name``) is a plain attribute read.
    """
    if frame is None or frame.f_code.co_filename.startswith("<frozen importlib"):
        return True
    try:
        return frame.f_code.co_code[frame.f_lasti] in _IMPORT_OPCODES
    except (IndexError, ValueError):  # pragma: no cover - other interpreters
        return True


@dataclass(frozen=True)
class ModuleRecipe:
    """What one stand-in module offers.

    ``names`` maps each attribute to ``"module:attribute"`` (imported on first use);
    ``constants`` are set as they are.
    """

    names: Mapping[str, str] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)


def load_target(target: str) -> Any:
    """The object ``"package.module:attribute"`` names (``"package.module"``: the module)."""
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


def _longest_prefix_hint(name: str, hints: Mapping[str, str]) -> str | None:
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        hint = hints.get(".".join(parts[:end]))
        if hint is not None:
            return hint
    return None


class AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds and builds the stand-in modules under one top-level name (``root``).

    Modules under ``root`` are answered only while ``root`` itself is one of this finder's
    modules, so a real package of that name, once imported, keeps all its submodules.
    Every stand-in is a package (``__path__ == []``) whose submodules come from this finder.
    """

    def __init__(
        self,
        root: str,
        recipes: Mapping[str, ModuleRecipe],
        *,
        what: str,
        module_hints: Mapping[str, str] | None = None,
        name_hints: Mapping[str, str] | None = None,
        default_hint: str = "",
    ) -> None:
        self.root = root
        self.what = what
        self.module_hints = dict(module_hints or {})
        self.name_hints = dict(name_hints or {})
        self.default_hint = default_hint
        self.recipes = dict(recipes)
        # Every parent of a listed module exists too, offering just its submodules.
        for name in list(self.recipes):
            parts = name.split(".")
            for end in range(1, len(parts)):
                self.recipes.setdefault(".".join(parts[:end]), ModuleRecipe())
        self.recipes.setdefault(root, ModuleRecipe())

    # -- finding ---------------------------------------------------------------------------

    def owns(self, module: object) -> bool:
        """Whether ``module`` is one this finder built."""
        spec = getattr(module, "__spec__", None)
        return spec is not None and spec.loader is self

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.root and not fullname.startswith(self.root + "."):
            return None
        if fullname != self.root and not self.owns(sys.modules.get(self.root)):
            return None  # a real package of this name is imported: its submodules are its own
        if fullname not in self.recipes:
            raise self.unsupported_module(fullname)
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    # -- loading ---------------------------------------------------------------------------

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # the default module object

    def exec_module(self, module: ModuleType) -> None:
        name = module.__name__
        recipe = self.recipes[name]
        module.__doc__ = (
            f"Tradewind's stand-in for {self.what}'s ``{name}`` module (tradewind.compat)."
        )
        module.__dict__.update(recipe.constants)
        module.__all__ = sorted(recipe.names)  # type: ignore[attr-defined]
        module.__getattr__ = self._resolver(module, recipe)  # type: ignore[method-assign]
        module.__dir__ = lambda: sorted(set(module.__dict__) | set(recipe.names))  # type: ignore[method-assign]

    def _resolver(self, module: ModuleType, recipe: ModuleRecipe) -> Callable[[str], Any]:
        module_name = module.__name__

        def resolve(attribute: str) -> Any:
            target = recipe.names.get(attribute)
            if target is not None:
                value = load_target(target)
                setattr(module, attribute, value)
                return value
            child = f"{module_name}.{attribute}"
            if child in self.recipes:
                return importlib.import_module(child)
            if attribute.startswith("_"):  # probes by tools (copy, pickle, inspect …)
                raise AttributeError(f"module {module_name!r} has no attribute {attribute!r}")
            error: UnsupportedImportError
            if attribute not in self.name_hints and (
                child in self.module_hints or not recipe.names
            ):
                # ``from airflow import settings``, ``from airflow.providers import amazon``:
                # the name is a module, so the module's advice applies.
                error = self.unsupported_module(child)
            else:
                error = self.unsupported_name(module_name, attribute, recipe)
            if _looked_up_by_import(sys._getframe(1)):
                raise error
            # hasattr(), getattr(..., default) and plain attribute access expect this type.
            raise UnsupportedAttributeError(str(error), name=attribute, obj=module)

        return resolve

    # -- errors ----------------------------------------------------------------------------

    def unsupported_module(self, fullname: str) -> UnsupportedModuleError:
        hint = _longest_prefix_hint(fullname, self.module_hints) or self.default_hint
        message = f"The {self.what} module {fullname!r} is not supported by Tradewind."
        return UnsupportedModuleError(f"{message} {hint}".strip(), name=fullname)

    def unsupported_name(
        self, module_name: str, attribute: str, recipe: ModuleRecipe
    ) -> UnsupportedImportError:
        hint = self.name_hints.get(attribute)
        if hint is None:
            offered = sorted(recipe.names) + sorted(
                child.rsplit(".", 1)[1]
                for child in self.recipes
                if child.rpartition(".")[0] == module_name
            )
            listed = (
                f"Tradewind's {module_name} provides: {', '.join(offered)}. " if offered else ""
            )
            hint = listed + self.default_hint
        message = (
            f"{attribute!r} from the {self.what} module {module_name!r} is not supported by "
            f"Tradewind. {hint}"
        )
        return UnsupportedImportError(message.strip(), name=module_name)
