"""package: kreboot as a new user gets it. The .deb that `make deb` builds is installed with dpkg in a
clean guest; the binary is /usr/sbin/kreboot, the man page, bash completion and the save-dump unit
are where Debian expects them; bash completes a subcommand; the dry run works and leaves its
`planned` record in the journal (journalctl MESSAGE_ID=…)."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

from ..checks import expect
from ..context import ScenarioContext
from ..failure import ScenarioFailure
from ..images import inject_file
from ..runner import REPO_DIR
from . import scenario

PLANNED_MESSAGE_ID = "9c3c658e39b4401eb1d456ab034b3dd9"
COMPLETE = ("source /usr/share/bash-completion/completions/kreboot; COMP_WORDS=(kreboot sta); COMP_CWORD=1; "
            "COMP_LINE=\"kreboot sta\"; COMP_POINT=11; _kreboot kreboot sta kreboot; echo \"${COMPREPLY[*]}\"")


def built_deb():
    """The package `make deb` built (made when missing)."""
    debs = sorted((REPO_DIR / ".build" / "deb").glob("kreboot_*.deb"))
    if not debs:
        result = subprocess.run(["make", "-C", str(REPO_DIR), "deb"], stdout=sys.stderr)
        debs = sorted((REPO_DIR / ".build" / "deb").glob("kreboot_*.deb"))
        if result.returncode != 0 or not debs:
            raise ScenarioFailure(f"`make deb` failed (exit {result.returncode})")
    return debs[-1]


@scenario("package")
def package(ctx: ScenarioContext) -> None:
    deb = built_deb()
    guest = ctx.boot()
    inject_file(guest.images.root_fs, deb, "/root/kreboot.deb")
    with guest:
        guest.wait_boot()
        guest.run("rm -f /usr/local/bin/kreboot", check=True)  # the package's binary, not the injected one
        install = guest.run("dpkg -i /root/kreboot.deb")
        expect(install.rc == 0, f"dpkg -i: {install.summary()}")
        files = guest.run("dpkg -L kreboot", check=True).stdout.split()
        for path in ("/usr/sbin/kreboot", "/usr/share/man/man8/kreboot.8.gz",
                     "/usr/share/bash-completion/completions/kreboot", "/lib/systemd/system/kreboot-save-dump.service",
                     "/lib/systemd/system/kreboot-verify.service"):
            expect(path in files, f"the package does not install {path}")
        enabled = guest.run("systemctl is-enabled kreboot-verify.service")
        expect(enabled.stdout.strip() == "enabled", f"kreboot-verify.service after dpkg -i: {enabled.stdout.strip()!r}")
        page = guest.run("zcat /usr/share/man/man8/kreboot.8.gz | grep -c -e save-dump -e 'EXIT STATUS'", check=True)
        expect(int(page.stdout.strip() or 0) >= 2, "the man page lacks save-dump or EXIT STATUS")
        completed = guest.run(f"bash -c {shlex.quote(COMPLETE)}")
        expect(completed.stdout.strip() == "status", f"bash completes 'kreboot sta' to {completed.stdout.strip()!r}")
        dry = guest.run("/usr/sbin/kreboot --dry-run --json")
        expect(dry.rc == 0, f"kreboot --dry-run from the package: {dry.summary()}")
        plan = json.loads(dry.stdout)
        expect(plan.get("schemaVersion") == 1 and plan.get("ok") is True, f"dry run plan: ok {plan.get('ok')!r}")
        records = guest.run(f"journalctl -o json --no-pager MESSAGE_ID={PLANNED_MESSAGE_ID}", check=True).stdout
        expect(PLANNED_MESSAGE_ID in records, "no journal record with the dry run's MESSAGE_ID")
