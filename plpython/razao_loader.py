"""The loader that lets PostgreSQL import Razão's code from the database itself.

Deployed like every other module of the bundle (table `razao.code_modules`); each generated PL/Python
function bootstraps it once per backend and keeps it in `GD`. On every call it compares the deployed
version (`razao.code_version`, one prepared single-row read) with the one it loaded, and reloads every
bundle module when a migration has changed it, so connections opened before a migration run the new
code without a restart. It refuses to run when the caller's expected version differs from the deployed
one (SQLSTATE RZ002). When it loads a version it also sets the bundle's kernel mode (`domain.kernel`:
the Rust kernel or the Python reference) from the connection's `razao.kernel` setting; mode `required`
without the kernel at the pinned version refuses every call (SQLSTATE RZ004).

A (re)load is one statement, so it reads one consistent snapshot of the deployment:
- it checks, in SQL, that the stored sources hash to the recorded version (the formula of
  `bundle_version` and `razao.deployed_code_version()`); otherwise SQLSTATE RZ003;
- when the deployment compiled the bundle for this server's Python (`razao.compile_code()`, run by the
  code migrations: each module's marshal'd code object in `razao.code_modules.code`, and in
  `razao.code_version` the `importlib.util.MAGIC_NUMBER` they were made for and their digest), it checks
  them against that recorded digest (otherwise RZ003) and runs them instead of compiling the sources;
  for another magic number (the server's Python changed since the deployment) it compiles the sources;
- modules are executed on first use (`importlib.util.LazyLoader`): `from application import interest`
  costs nothing until a function touches `interest`, so a transfer never runs the interest or
  verification modules.

Nothing of the standard library beyond what PL/Python has already loaded is imported at start-up but
`importlib.util` and `marshal`: the first call of a backend pays only for what its entry point runs.

Security context: runs inside SECURITY DEFINER functions owned by `razao_owner`; reads only
`razao.code_modules` and `razao.code_version`, through prepared statements.
"""

import importlib
import importlib.util
import marshal
import sys

LOADER_MODULE = "razao_loader"
#: The bundle's module that chooses between the Rust kernel and the Python reference.
KERNEL_MODULE = "domain.kernel"


def bundle_version(modules):
    """The version of a bundle: `modules` is an iterable of (name, is_package, source).

    The same definition is computed in Python by the application and in SQL by
    `razao.deployed_code_version()` and by `_LOAD` below.
    """
    import hashlib

    digest = hashlib.sha256()
    for name, is_package, source in sorted(modules):
        source_hash = hashlib.sha256(source.encode("utf-8")).hexdigest()
        digest.update(f"{name}\n{1 if is_package else 0}\n{source_hash}\n".encode())
    return digest.hexdigest()


#: Everything a (re)load needs, in one statement (one snapshot). $1 is this Python's magic number.
#: `computed`: the sources' version (the formula of `bundle_version`); `compiled` (only when the code was
#: compiled for this Python): the digest of the compiled code (the formula of `razao.compile_code()`), to
#: compare with the `recorded` one. A module's source is sent only when its compiled code is not used
#: (and the loader's own, to notice a new loader).
_LOAD = """
SELECT v.version, s.computed, v.compiled_digest AS recorded, s.compiled, s.names, s.packages, s.codes, s.sources
FROM razao.code_version v
CROSS JOIN LATERAL (SELECT coalesce(v.compiled_magic = $1 AND v.compiled_digest IS NOT NULL, false) AS usable) u
CROSS JOIN LATERAL (
    SELECT encode(sha256(convert_to(coalesce(string_agg(
               name || E'\\n' || CASE WHEN is_package THEN '1' ELSE '0' END || E'\\n'
               || encode(sha256(convert_to(source, 'UTF8')), 'hex') || E'\\n',
               '' ORDER BY name COLLATE "C"), ''), 'UTF8')), 'hex') AS computed,
           CASE WHEN u.usable THEN encode(sha256(convert_to(coalesce(string_agg(
               name || E'\\n' || coalesce(encode(sha256(code), 'hex'), '') || E'\\n',
               '' ORDER BY name COLLATE "C"), ''), 'UTF8')), 'hex') END AS compiled,
           array_agg(name ORDER BY name) AS names,
           array_agg(is_package ORDER BY name) AS packages,
           array_agg(CASE WHEN u.usable THEN code END ORDER BY name) AS codes,
           array_agg(CASE WHEN NOT u.usable OR code IS NULL OR name = 'razao_loader' THEN source END
                     ORDER BY name) AS sources
    FROM razao.code_modules
) s
"""


def _filename(version, name):
    """The file name of a module's code objects (the same when compiled by `razao.compile_code()`)."""
    return f"<razao {version[:12]}>/{name}"


class _BundleFinder:
    """Serves the bundle's modules from memory, ahead of anything installed on the server.

    A meta path finder and its own loader (`find_spec`, `create_module`, `exec_module`). Plain modules
    are handed out through `importlib.util.LazyLoader`: executed on first attribute access.
    """

    def __init__(self, modules, version):
        self.modules = modules  # name -> (is_package, source or None, marshal'd code or None)
        self.version = version
        self._lazy = importlib.util.LazyLoader(self)

    def find_spec(self, fullname, path=None, target=None):
        module = self.modules.get(fullname)
        if module is None:
            return None
        if module[0]:
            return importlib.util.spec_from_loader(fullname, self, is_package=True)
        return importlib.util.spec_from_loader(fullname, self._lazy, is_package=False)

    def invalidate_caches(self):
        pass

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        is_package, source, code = self.modules[module.__name__]
        if is_package:
            module.__path__ = []
        if code is not None:
            compiled = marshal.loads(code)
        else:
            compiled = compile(source, _filename(self.version, module.__name__), "exec", dont_inherit=True)
        exec(compiled, module.__dict__)


class Loader:
    """One per backend (kept in GD). `call` runs an entry function of the deployed bundle."""

    #: The generated function bodies bootstrap a new loader when the one in GD is older than this (a
    #: loader before 2 handed over to its successor without loading it, failing one call).
    api = 2

    def __init__(self, plpy, gd, source=None):
        self.plpy = plpy
        self.gd = gd
        self.version = None
        self.source = source
        self.finder = None
        self.compiled = False  # whether the loaded modules come from verified compiled code
        self._entries = {}  # (module, function) -> the entry function of the loaded version
        self._version_plan = plpy.prepare("SELECT version FROM razao.code_version")
        self._load_plan = None

    def _deployed_version(self):
        rows = self.plpy.execute(self._version_plan)
        if not rows:
            self.plpy.error("Razão's code is not deployed in this database", sqlstate="RZ003")
        return rows[0]["version"]

    def _refuse(self, message, **detail):
        import json

        self.plpy.error(message, detail=json.dumps(detail), sqlstate="RZ003")

    def _reload(self, version):
        if self._load_plan is None:
            self._load_plan = self.plpy.prepare(_LOAD, ["bytea"])
        rows = self.plpy.execute(self._load_plan, [importlib.util.MAGIC_NUMBER])
        if not rows:
            self.plpy.error("Razão's code is not deployed in this database", sqlstate="RZ003")
        row = rows[0]
        version = row["version"]
        if row["computed"] != version:
            self._refuse(
                "the deployed code does not match its recorded version",
                recorded=version,
                computed=row["computed"],
            )
        compiled = row["compiled"] is not None  # compiled for this Python: check them
        if compiled and row["compiled"] != row["recorded"]:
            self._refuse(
                "the deployed compiled code does not match its recorded digest",
                version=version,
                recorded=row["recorded"],
                computed=row["compiled"],
            )
        names = row["names"] or []
        modules = {
            name: (bool(package), source, code)
            for name, package, source, code in zip(
                names, row["packages"] or [], row["sources"] or [], row["codes"] or [], strict=True
            )
        }
        own = modules.get(LOADER_MODULE, (False, None, None))[1]
        if own is not None and self.source is not None and own != self.source:
            # The loader itself changed: hand over to the new one, which loads everything afresh.
            namespace = {"__name__": LOADER_MODULE}
            exec(compile(own, LOADER_MODULE, "exec"), namespace)
            successor = namespace["Loader"](self.plpy, self.gd, own)
            self.gd[LOADER_MODULE] = successor
            self._unload()
            return successor.current()
        self._unload()
        # Finders of loaders dropped without unloading (a backend that ran an older loader) go too.
        sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "_BundleFinder"]
        for name in list(sys.modules):
            if name in modules or name.split(".", 1)[0] in modules:
                del sys.modules[name]
        self.finder = _BundleFinder(modules, version)
        sys.meta_path.insert(0, self.finder)
        self.version = version
        self.compiled = compiled and any(code is not None for _, _, code in modules.values())
        if KERNEL_MODULE in modules:
            self._configure_kernel()
        return self

    def _configure_kernel(self):
        """Set the bundle's kernel mode (`domain.kernel`) from this connection's `razao.kernel` setting
        (unset: auto). Mode `required` is checked at once: without the kernel at the version the bundle
        pins, every call refuses (SQLSTATE RZ004) instead of running the reference."""
        mode = self.plpy.execute("SELECT current_setting('razao.kernel', true) AS mode")[0]["mode"] or "auto"
        kernel = importlib.import_module(KERNEL_MODULE)
        try:
            kernel.configure(mode)
            if mode == "required":
                kernel.current()
        except (ValueError, kernel.KernelUnavailable) as error:
            self.version = None  # not loaded: the next call tries again
            self.plpy.error(str(error), sqlstate="RZ004")

    def _unload(self):
        self._entries = {}
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
            import json

            loader.plpy.error(
                f"domain version mismatch: the application runs {expected_version[:12]} but the "
                f"database runs {loader.version[:12]}; migrate the database or deploy the matching app",
                detail=json.dumps({"expected": expected_version, "deployed": loader.version}),
                sqlstate="RZ002",
            )
        entry = loader._entries.get((module, function))
        if entry is None:
            entry = loader._entries[(module, function)] = getattr(importlib.import_module(module), function)
        return entry(loader.plpy, **arguments)
