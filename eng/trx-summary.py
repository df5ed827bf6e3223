#!/usr/bin/env python3
"""Prints the one line CI reads, `N passed, N failed`, from the TRX files of a test run.

Usage: trx-summary.py RESULTS_DIR EXIT_CODE_OF_THE_TEST_RUN

Before that line it prints the failed tests grouped by the first line of their error message, each
group with its first test's whole message (cut at 40 lines; the 8 largest groups, the largest last), so the tail of a CI log says why.

A run that did not produce a TRX file for every test project, that executed no test, or whose
`dotnet test` failed without any failed test (a build error, a crashed test host) is never reported
clean: the missing or broken part counts as one failure.
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"


def test_projects(root):
    found = []
    for path in glob.glob(os.path.join(root, "tests", "**", "*.csproj"), recursive=True):
        with open(path, encoding="utf-8") as f:
            if "Microsoft.NET.Test.Sdk" in f.read():
                found.append(path)
    return found


def collect_failures(trx, failures):
    """Adds each failed test of one TRX file to `failures`: first message line -> [(test, whole message)]."""
    for result in trx.iter(f"{NS}UnitTestResult"):
        if result.get("outcome") not in ("Failed", "Error", "Timeout", "Aborted"):
            continue
        message = result.findtext(f"{NS}Output/{NS}ErrorInfo/{NS}Message") or "(no message)"
        first = message.strip().splitlines()[0] if message.strip() else "(no message)"
        failures.setdefault(first[:300], []).append((result.get("testName", "?"), message))


def print_failures(failures):
    if not failures:
        return
    total = sum(len(tests) for tests in failures.values())
    print(f"--- {total} failed test(s), {len(failures)} distinct first message line(s):")
    # The most common group last, nearest the summary line (CI logs are read from their tail).
    groups = sorted(failures.items(), key=lambda item: len(item[1]))[-8:]
    for first, tests in groups:
        name, message = tests[0]
        print(f"--- {len(tests)} x: {first}")
        print(f"    first: {name}")
        lines = message.strip().splitlines()
        for line in lines[1:40]:
            print(f"    {line[:300]}" + (" …" if len(line) > 300 else ""))
        if len(lines) > 40:
            print(f"    ... ({len(lines) - 40} more lines)")
    print("---")


def main():
    results_dir, exit_code = sys.argv[1], int(sys.argv[2])
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
    passed = failed = executed = 0
    failures = {}
    files = glob.glob(os.path.join(results_dir, "**", "*.trx"), recursive=True)
    for path in files:
        root_element = ET.parse(path).getroot()
        collect_failures(root_element, failures)
        counters = root_element.find(f"{NS}ResultSummary/{NS}Counters")
        if counters is None:
            failed += 1
            continue
        get = lambda name: int(counters.get(name, "0"))
        passed += get("passed")
        failed += get("failed") + get("error") + get("timeout") + get("aborted")
        executed += get("executed")

    expected = len(test_projects(root))
    problems = []
    if len(files) < expected:
        problems.append(f"{expected - len(files)} test project(s) produced no results")
        failed += expected - len(files)
    if executed == 0:
        problems.append("no test executed")
        failed = max(failed, 1)
    if exit_code != 0 and failed == 0:
        problems.append(f"dotnet test exited with {exit_code} without a failed test (build error or crashed test host)")
        failed = 1
    print_failures(failures)
    for problem in problems:
        print(f"trx-summary: {problem}", file=sys.stderr)
    print(f"{passed} passed, {failed} failed")


if __name__ == "__main__":
    main()
