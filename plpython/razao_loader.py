"""The loader that lets PostgreSQL import Razão's code from the database itself.

Deployed like every other module of the bundle (table `razao.code_modules`); each generated PL/Python
function bootstraps it once per backend and keeps it in `GD`. On every call it compares the deployed
version (`razao.code_version`) with the one it loaded, and reloads every bundle module when a migration
has changed it, so connections opened before a migration run the new code without a restart.

It also verifies, on each (re)load, that the stored sources hash to the recorded version, and refuses
to run when the caller's expected version differs from the deployed one.

Security context: runs inside SECURITY DEFINER functions owned by `razao_owner`; reads only
`razao.code_modules` and `razao.code_version`, through prepared statements.
"""

import hashlib
import importlib
import importlib.abc
import importlib.util
import json
import sys

LOADER_MODULE = "razao_loader"


def bundle_version(modules):
    """The version of a bundle: `modules` is an iterable of (name, is_package, source).

    The same definition is computed in Python by the application and in SQL by
    `razao.deployed_code_version()`.
    """
    digest = hashlib.sha256()
    for name, is_package, source in sorted(modules):
        source_hash = hashlib.sha256(source.encode("utf-8")).hexdigest()
        digest.update(f"{name}\n{1 if is_package else 0}\n{source_hash}\n".encode())
    return digest.hexdigest()


class _BundleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves the bundle's modules from memory, ahead of anything installed on the server."""

    def __init__(self, modules, version):
        self.modules = modules  # name -> (is_package, source)
        self.version = version

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.modules:
            return None
        is_package = self.modules[fullname][0]
        return importlib.util.spec_from_loader(fullname, self, is_package=is_package)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        is_package, source = self.modules[module.__name__]
        if is_package:
            module.__path__ = []
        code = compile(source, f"<razao {self.version[:12]}>/{module.__name__}", "exec")
        exec(code, module.__dict__)


class Loader:
    """One per backend (kept in GD). `call` runs an entry function of the deployed bundle."""

    def __init__(self, plpy, gd, source=None):
        self.plpy = plpy
        self.gd = gd
        self.version = None
        self.source = source
        self.finder = None
        self._version_plan = plpy.prepare("SELECT version FROM razao.code_version")
        self._modules_plan = plpy.prepare("SELECT name, is_package, source FROM razao.code_modules")

    def _deployed_version(self):
        rows = self.plpy.execute(self._version_plan)
        if not rows:
            self.plpy.error("Razão's code is not deployed in this database", sqlstate="RZ003")
        return rows[0]["version"]

    def _reload(self, version):
        rows = self.plpy.execute(self._modules_plan)
        modules = {row["name"]: (bool(row["is_package"]), row["source"]) for row in rows}
        actual = bundle_version((name, pkg, src) for name, (pkg, src) in modules.items())
        if actual != version:
            self.plpy.error(
                "the deployed code does not match its recorded version",
                detail=json.dumps({"recorded": version, "computed": actual}),
                sqlstate="RZ003",
            )
        own = modules.get(LOADER_MODULE, (False, None))[1]
        if own is not None and self.source is not None and own != self.source:
            # The loader itself changed: hand over to the new one, which loads everything afresh.
            namespace = {"__name__": LOADER_MODULE}
            exec(compile(own, LOADER_MODULE, "exec"), namespace)
            successor = namespace["Loader"](self.plpy, self.gd, own)
            self.gd[LOADER_MODULE] = successor
            self._unload()
            return successor
        self._unload()
        names = set(modules)
        for name in list(sys.modules):
            if name in names or name.split(".", 1)[0] in names:
                del sys.modules[name]
        self.finder = _BundleFinder(modules, version)
        sys.meta_path.insert(0, self.finder)
        importlib.invalidate_caches()
        self.version = version
        return self

    def _unload(self):
        if self.finder is None:
            return
        for name in list(sys.modules):
            if name in self.finder.modules or name.split(".", 1)[0] in self.finder.modules:
                del sys.modules[name]
        if self.finder in sys.meta_path:
            sys.meta_path.remove(self.finder)
        self.finder = None

    def current(self):
        """The loader to use now: this one, reloaded if the deployed version changed, or a successor."""
        version = self._deployed_version()
        if version == self.version:
            return self
        return self._reload(version)

    def call(self, module, function, expected_version=None, **arguments):
        loader = self.current()
        if expected_version is not None and expected_version != loader.version:
            loader.plpy.error(
                f"domain version mismatch: the application runs {expected_version[:12]} but the "
                f"database runs {loader.version[:12]}; migrate the database or deploy the matching app",
                detail=json.dumps({"expected": expected_version, "deployed": loader.version}),
                sqlstate="RZ002",
            )
        entry = getattr(importlib.import_module(module), function)
        return entry(loader.plpy, **arguments)
