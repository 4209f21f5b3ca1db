#!/usr/bin/env python3
"""Download and unpack a pinned MicroPython source release from Debian.

The release is Debian's `micropython` source package, fetched with apt-get
from the mirror already configured on this machine.  apt runs with a
private sources list, lists folder and cache under the destination folder,
so the system's own apt state is neither read for sources nor changed.  The
orig tarball is checked against a pinned sha256 before it is unpacked.

Usage:
    fetch_micropython.py --version 1.25.0+ds-1 --suite trixie \\
        --sha256 HEX --dest build
The source lands in DEST/micropython-<upstream version>/.
"""

import argparse
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile

APT_SOURCES_LIST = "/etc/apt/sources.list"
APT_SOURCES_PARTS = "/etc/apt/sources.list.d"
ARCHIVE_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
PACKAGE = "micropython"
APT_TIMEOUT_SECONDS = 300


def fail(message):
    sys.exit("fetch_micropython: error: " + message)


def read_deb822_uris(path):
    """Return (uri, suites) pairs from the `deb`/`deb-src` stanzas of a deb822 file."""
    pairs = []
    with open(path) as f:
        text = f.read()
    for stanza in text.split("\n\n"):
        fields = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[0].isspace():
                continue
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.split()
        if fields.get("enabled", ["yes"])[0].lower() == "no":
            continue
        if not set(fields.get("types", [])) & {"deb", "deb-src"}:
            continue
        for uri in fields.get("uris", []):
            pairs.append((uri, fields.get("suites", [])))
    return pairs


def read_one_line_uris(path):
    """Return (uri, suites) pairs from the `deb`/`deb-src` lines of a sources.list file."""
    pairs = []
    with open(path) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if not words or words[0] not in ("deb", "deb-src"):
                continue
            words = words[1:]
            # Options such as [arch=amd64 signed-by=...] come before the URI.
            if words and words[0].startswith("["):
                while words and not words[0].endswith("]"):
                    words.pop(0)
                words = words[1:]
            if len(words) >= 2:
                pairs.append((words[0], [words[1]]))
    return pairs


def find_archive_uris():
    """Return the machine's configured Debian archive URIs, most likely first.

    Security and updates archives carry only their own suites, so a URI whose
    suites are all of that kind is left out.
    """
    pairs = []
    for path in sorted(glob.glob(os.path.join(APT_SOURCES_PARTS, "*.sources"))):
        pairs += read_deb822_uris(path)
    for path in [APT_SOURCES_LIST] + sorted(
        glob.glob(os.path.join(APT_SOURCES_PARTS, "*.list"))
    ):
        if os.path.exists(path):
            pairs += read_one_line_uris(path)
    uris = []
    for uri, suites in pairs:
        plain = [s for s in suites if "-security" not in s and "/updates" not in s]
        if suites and not plain:
            continue
        if uri not in uris:
            uris.append(uri)
    return uris


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_apt(apt_options, arguments, cwd):
    command = ["apt-get", "-q"] + apt_options + arguments
    try:
        result = subprocess.run(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=APT_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        print("fetch_micropython: apt-get %s timed out" % arguments[0])
        return False
    if result.returncode != 0:
        print(result.stdout.rstrip())
        print("fetch_micropython: apt-get %s failed" % arguments[0])
        return False
    return True


def download_with_apt(uri, suite, version, state_dir, download_dir):
    """Download the source package from one archive URI and return True on success."""
    sources_list = os.path.join(state_dir, "sources.list")
    lists_dir = os.path.join(state_dir, "lists")
    cache_dir = os.path.join(state_dir, "cache")
    os.makedirs(os.path.join(lists_dir, "partial"), exist_ok=True)
    os.makedirs(os.path.join(cache_dir, "archives", "partial"), exist_ok=True)
    with open(sources_list, "w") as f:
        f.write("deb-src [signed-by=%s] %s %s main\n" % (ARCHIVE_KEYRING, uri, suite))
    apt_options = [
        "-o", "Dir::Etc::sourcelist=" + sources_list,
        "-o", "Dir::Etc::sourceparts=-",
        "-o", "Dir::State::Lists=" + lists_dir,
        "-o", "Dir::Cache=" + cache_dir,
    ]
    print("fetch_micropython: reading the %s source index" % suite)
    if not run_apt(apt_options, ["update"], download_dir):
        return False
    print("fetch_micropython: downloading %s=%s" % (PACKAGE, version))
    return run_apt(
        apt_options,
        ["source", "--download-only", "%s=%s" % (PACKAGE, version)],
        download_dir,
    )


def unpack(tarball, source_dir):
    """Unpack the tarball next to its final place, then rename, so a broken run leaves no half tree."""
    partial = source_dir + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(partial)
    with tarfile.open(tarball) as archive:
        if hasattr(tarfile, "data_filter"):
            # Rejects absolute paths and links that point outside the folder.
            archive.extractall(partial, filter="data")
        else:
            archive.extractall(partial)
    top = os.listdir(partial)
    if len(top) != 1:
        fail("%s holds %d top-level entries, expected one folder" % (tarball, len(top)))
    shutil.rmtree(source_dir, ignore_errors=True)
    os.rename(os.path.join(partial, top[0]), source_dir)
    os.rmdir(partial)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", required=True, help="Debian version, e.g. 1.25.0+ds-1")
    parser.add_argument("--suite", required=True, help="Debian suite that carries it, e.g. trixie")
    parser.add_argument("--sha256", required=True, help="expected sha256 of the orig tarball")
    parser.add_argument("--dest", required=True, help="folder for downloads and the unpacked source")
    args = parser.parse_args()

    upstream, _, _ = args.version.partition("-")
    tarball_name = "%s_%s.orig.tar.xz" % (PACKAGE, upstream)
    source_dir = os.path.join(args.dest, "micropython-" + upstream.split("+")[0])
    download_dir = os.path.join(args.dest, "downloads")
    tarball = os.path.join(download_dir, tarball_name)
    os.makedirs(download_dir, exist_ok=True)

    if os.path.exists(tarball) and sha256_of(tarball) == args.sha256:
        print("fetch_micropython: using the cached %s" % tarball)
    else:
        uris = find_archive_uris()
        if not uris:
            fail(
                "no Debian archive URI found in %s or %s/*.sources; "
                "add one, or set MICROPYTHON_DIR to a MicroPython checkout"
                % (APT_SOURCES_LIST, APT_SOURCES_PARTS)
            )
        state_dir = os.path.abspath(os.path.join(args.dest, "apt"))
        for uri in uris:
            if download_with_apt(uri, args.suite, args.version, state_dir, download_dir):
                break
        else:
            fail(
                "could not download %s=%s from any configured archive; "
                "set MICROPYTHON_DIR to a MicroPython checkout to build without it"
                % (PACKAGE, args.version)
            )
        if not os.path.exists(tarball):
            fail("apt-get finished but %s is missing" % tarball)
        actual = sha256_of(tarball)
        if actual != args.sha256:
            fail(
                "sha256 mismatch for %s: expected %s, got %s; "
                "the file was left in place for inspection and will not be unpacked"
                % (tarball, args.sha256, actual)
            )
        print("fetch_micropython: sha256 verified for %s" % tarball_name)

    print("fetch_micropython: unpacking into %s" % source_dir)
    unpack(tarball, source_dir)


if __name__ == "__main__":
    main()
