"""Check that replay transcripts are byte-identical (CPython only).

Usage: compare.py --seed S FILE FILE [FILE ...]

Exits 0 when all files are identical. Otherwise prints the first line
that differs, the calls just before it, and the command that replays the
sequence, then exits 1. The seed only goes into that command: the files
themselves carry no seed.
"""

import argparse
import sys

CONTEXT_LINES = 5


def first_difference(texts):
    """Return the 0-based index of the first line that is not the same in all texts.

    Return None when all texts are identical. A file that ends early
    differs at its missing line.
    """
    count = max(len(lines) for lines in texts)
    for index in range(count):
        row = [lines[index] if index < len(lines) else None for lines in texts]
        if any(line != row[0] for line in row):
            return index
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description="Compare replay.py transcripts.")
    parser.add_argument("--seed", type=int, required=True, help="seed the transcripts came from")
    parser.add_argument("files", nargs="+", help="transcript files, at least two")
    args = parser.parse_args(argv)
    if len(args.files) < 2:
        parser.error("need at least two transcript files")

    texts = []
    for path in args.files:
        with open(path, "rb") as stream:
            texts.append(stream.read().split(b"\n"))

    index = first_difference(texts)
    if index is None:
        print("compare: %d transcripts identical, %d lines, seed %d"
              % (len(texts), len(texts[0]) - 1, args.seed))
        return 0

    print("compare: transcripts differ at line %d (seed %d)" % (index + 1, args.seed))
    reference = texts[0]
    start = max(0, index - CONTEXT_LINES)
    print("calls before it, from %s:" % args.files[0])
    for number in range(start, min(index, len(reference))):
        print("  %d: %s" % (number + 1, reference[number].decode("utf-8", "replace")))
    for path, lines in zip(args.files, texts):
        line = lines[index].decode("utf-8", "replace") if index < len(lines) else "<end of file>"
        print("%s:%d: %r" % (path, index + 1, line))
    stripped = set(lines[index].rstrip(b"\r") for lines in texts if index < len(lines))
    if len(stripped) == 1:
        print("note: the lines differ only in a trailing carriage return, which a serial "
              "capture adds; remove it with tr -d '\\r' before comparing")
    digest = texts[0][0].startswith(b"calls ")
    calls = index + 1
    if digest:
        # A digest line covers a block of calls; replay up to its end in full.
        calls = int(reference[index].split()[1].split(b"..")[1]) if index < len(reference) else 0
    print("replay with: PYTHONPATH=.:tests/diff python3 tests/diff/replay.py "
          "--seed %d --calls %d --impl kernel" % (args.seed, calls))
    return 1


if __name__ == "__main__":
    sys.exit(main())
