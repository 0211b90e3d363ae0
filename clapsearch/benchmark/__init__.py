"""Benchmarks: zero-shot classification and retrieval through the search engine, linear probes, reports."""
from __future__ import annotations

from clapsearch.benchmark.adapters import load_dev_set, load_task
from clapsearch.benchmark.evaluator import Evaluator
from clapsearch.benchmark.probe import run_probe
from clapsearch.benchmark.report import plot_result, write_report
from clapsearch.benchmark.retrieval import run_retrieval
from clapsearch.benchmark.suite import RunOptions, discover, run_all, run_task
from clapsearch.benchmark.tasks import PROTOCOLS, TASKS, BenchResult, CaptionSet, Clip, LabelledSet
from clapsearch.benchmark.zeroshot import SearchEvaluator, run_zero_shot

__all__ = ["PROTOCOLS", "TASKS", "BenchResult", "CaptionSet", "Clip", "Evaluator", "LabelledSet", "RunOptions",
           "SearchEvaluator", "discover", "load_dev_set", "load_task", "plot_result", "run_all", "run_probe",
           "run_retrieval", "run_task", "run_zero_shot", "write_report"]
