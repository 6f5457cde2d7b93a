# -*- coding: utf-8 -*-
# Copyright: kreboot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the kreboot modules and the action plugin share: kreboot's command-line options from the
task's arguments, its exit codes, and the facts taken from a plan."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

try:
    from shlex import quote
except ImportError:  # Python 2 (the module side may still meet it)
    from pipes import quote

# The options that pick what to boot and how, shared by kreboot_plan and kreboot_reboot.
TARGET_ARGUMENT_SPEC = dict(
    kreboot_path=dict(type='str', default='kreboot'),
    entry=dict(type='str'),
    kernel=dict(type='path'),
    initrds=dict(type='list', elements='path', default=[]),
    append=dict(type='str'),
    command_line=dict(type='str'),
    reuse_cmdline=dict(type='bool', default=False),
    via=dict(type='str', choices=['kreboot', 'systemd'], default='kreboot'),
    ignore_sessions=dict(type='bool', default=False),
    ignore_inhibitors=dict(type='bool', default=False),
)

# kreboot's exit codes (sysexits) and what each means for a fleet.
EXIT_CODES = {
    0: 'ok',
    1: 'internal error or declined',
    64: 'usage: bad options (or no terminal without --yes)',
    65: 'bad data: no boot entry, or a corrupt or missing kernel or initrd',
    69: 'unavailable: kexec unsupported or disabled, lockdown refusal, no crashkernel',
    75: 'temporary: a busy mount, other login sessions, an inhibitor or swap; rolled back, safe to retry',
    77: 'no permission: not root, no CAP_SYS_BOOT, or in a container',
    130: 'interrupted',
}
TEMPORARY = 75


def target_options(params):
    """kreboot's command-line options for the task's target arguments, as a list of words."""
    words = []
    if params.get('entry'):
        words += ['--entry', params['entry']]
    if params.get('kernel'):
        words += ['--kernel', params['kernel']]
    for initrd in params.get('initrds') or []:
        words += ['--initrd', initrd]
    if params.get('append'):
        words += ['--append', params['append']]
    if params.get('command_line'):
        words += ['--command-line', params['command_line']]
    if params.get('reuse_cmdline'):
        words += ['--reuse-cmdline']
    if params.get('via') and params['via'] != 'kreboot':
        words += ['--via', params['via']]
    if params.get('ignore_sessions'):
        words += ['--ignore-sessions']
    if params.get('ignore_inhibitors'):
        words += ['--ignore-inhibitors']
    return words


def shell_words(words):
    """One shell command line from a list of words."""
    return ' '.join(quote(str(word)) for word in words)


def meaning(code):
    """What kreboot's exit code means, in words."""
    return EXIT_CODES.get(code, 'unexpected exit code')


def plan_facts(plan, rc):
    """The facts kreboot_plan returns for a decoded plan and the dry run's exit code."""
    target = plan.get('target') or {}
    source = target.get('source') or {}
    checks = plan.get('checks') or []
    failing = [check for check in checks if check.get('status') == 'fail']
    return dict(
        schema_version=plan.get('schemaVersion'),
        mode=plan.get('mode'),
        release=target.get('release'),
        kernel=target.get('kernel'),
        initrds=target.get('initrds') or [],
        command_line=target.get('commandLine'),
        entry=dict(kind=source.get('kind'), id=source.get('id'), title=source.get('title'),
                   file=source.get('file'), rule=source.get('rule')) if source else None,
        steps=plan.get('steps') or [],
        actions=[step.get('action') for step in plan.get('steps') or []],
        checks=checks,
        failing_checks=failing,
        warnings_checks=[check for check in checks if check.get('status') == 'warn'],
        command_line_change=plan.get('commandLineChange'),
        would_proceed=bool(plan.get('ok')) and rc == 0,
        exit_code=rc,
        exit_meaning=meaning(rc),
    )
