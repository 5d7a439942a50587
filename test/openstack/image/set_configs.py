#!/usr/bin/python3
"""Stand-in for Kolla's kolla_set_configs (COPY_ALWAYS), run as root before the container's
command: reads /var/lib/kolla/config_files/config.json with Kolla's schema (command,
config_files: source/dest/owner/perm/optional/merge, permissions: path/owner/perm/recurse), copies
each source to its dest with its owner and mode, applies the permissions and leaves the command
in /run_command for kolla_start. A non-optional source that does not exist stops the container,
as it stops a Kolla container: that is how the test proves mounts and config.json agree."""
import glob
import grp
import json
import os
import pwd
import shutil
import sys

CONFIG = "/var/lib/kolla/config_files/config.json"


def ids(owner):
    user, _, group = owner.partition(":")
    pw = pwd.getpwnam(user)
    return pw.pw_uid, grp.getgrnam(group).gr_gid if group else pw.pw_gid


def dir_mode(mode):
    # a directory needs the search bit wherever it is readable
    return mode | ((mode & 0o444) >> 2)


def apply(path, uid, gid, mode, recurse=True):
    os.chown(path, uid, gid, follow_symlinks=False)
    if mode is not None and not os.path.islink(path):
        os.chmod(path, dir_mode(mode) if os.path.isdir(path) else mode)
    if recurse and os.path.isdir(path) and not os.path.islink(path):
        for entry in os.listdir(path):
            apply(os.path.join(path, entry), uid, gid, mode)


def copy(src, dest, merge):
    if os.path.isdir(src):
        if not merge and os.path.lexists(dest):
            shutil.rmtree(dest) if os.path.isdir(dest) and not os.path.islink(dest) else os.remove(dest)
        os.makedirs(dest, exist_ok=True)
        for entry in os.listdir(src):
            copy(os.path.join(src, entry), os.path.join(dest, entry), merge)
    else:
        if os.path.lexists(dest):
            shutil.rmtree(dest) if os.path.isdir(dest) and not os.path.islink(dest) else os.remove(dest)
        os.makedirs(os.path.dirname(dest) or "/", exist_ok=True)
        shutil.copyfile(src, dest)


def main():
    with open(CONFIG) as fh:
        config = json.load(fh)
    if "command" not in config:
        sys.exit("kolla_set_configs: config.json has no command")
    for entry in config.get("config_files", []):
        sources = sorted(glob.glob(entry["source"]))
        if not sources:
            if entry.get("optional"):
                continue
            sys.exit("kolla_set_configs: missing source %s for %s" % (entry["source"], entry["dest"]))
        for src in sources:
            dest = entry["dest"]
            if dest.endswith("/"):
                dest = os.path.join(dest, os.path.basename(src))
            copy(src, dest, entry.get("merge", False))
            uid, gid = ids(entry.get("owner", "root"))
            perm = int(entry["perm"], 8) if "perm" in entry else None
            apply(dest, uid, gid, perm)
    for entry in config.get("permissions", []):
        uid, gid = ids(entry["owner"])
        perm = int(entry["perm"], 8) if "perm" in entry else None
        paths = glob.glob(entry["path"])
        if not paths:
            print("kolla_set_configs: WARNING permissions path %s does not exist" % entry["path"], file=sys.stderr)
        for path in paths:
            apply(path, uid, gid, perm, entry.get("recurse", False))
    with open("/run_command", "w") as fh:
        fh.write(config["command"])
    os.chmod("/run_command", 0o644)


main()
