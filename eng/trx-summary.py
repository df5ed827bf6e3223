#!/usr/bin/env python3
"""Prints the one line CI reads, `N passed, N failed`, from the TRX files of a test run.

Usage: trx-summary.py RESULTS_DIR EXIT_CODE_OF_THE_TEST_RUN

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


def main():
    results_dir, exit_code = sys.argv[1], int(sys.argv[2])
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
    passed = failed = executed = 0
    files = glob.glob(os.path.join(results_dir, "**", "*.trx"), recursive=True)
    for path in files:
        counters = ET.parse(path).getroot().find(f"{NS}ResultSummary/{NS}Counters")
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
    for problem in problems:
        print(f"trx-summary: {problem}", file=sys.stderr)
    print(f"{passed} passed, {failed} failed")


if __name__ == "__main__":
    main()
